import { sql } from "drizzle-orm";
import { bigint, boolean, customType, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./orgs";
import { users } from "./users";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/** Admin-created secrets a build host presents once to register; only the sha256 is stored. */
export const runnerRegistrationTokens = pgTable("runner_registration_tokens", {
  id: uuid("id").primaryKey().defaultRandom(),
  description: text("description").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  tokenPrefix: text("token_prefix").notNull(),
  createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

export const runnerExecutor = pgEnum("runner_executor", ["shell", "bwrap", "nspawn", "gentoo"]);

/** A registered build host process; it authenticates with its own token (sha256 stored). */
export const runners = pgTable("runners", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  arch: text("arch").notNull(),
  tags: text("tags")
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  executor: runnerExecutor("executor").notNull(),
  concurrency: integer("concurrency").notNull().default(1),
  version: text("version").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  tokenPrefix: text("token_prefix").notNull(),
  registrationTokenId: uuid("registration_token_id").references(() => runnerRegistrationTokens.id, { onDelete: "set null" }),
  /** the in-process runner of the embedded default */
  embedded: boolean("embedded").notNull().default(false),
  paused: boolean("paused").notNull().default(false),
  lastContactAt: timestamp("last_contact_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

export const pipelineStatus = pgEnum("pipeline_status", ["pending", "running", "success", "failed", "canceled"]);

/** A set of jobs with `needs` dependencies (a DAG), created by domain code or an admin. */
export const pipelines = pgTable(
  "pipelines",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** sequential number shown to people (#12) */
    number: integer("number").generatedAlwaysAsIdentity(),
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** who made it: "ui", "builds", "tinderbox", … */
    source: text("source").notNull(),
    ref: text("ref"),
    status: pipelineStatus("status").notNull().default("pending"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("pipelines_created_idx").on(t.createdAt), index("pipelines_org_idx").on(t.orgId, t.createdAt)],
);

/**
 * created: waiting for its needs; queued: ready for a runner; running: leased by a runner;
 * skipped: a need did not succeed.
 */
export const buildJobStatus = pgEnum("build_job_status", ["created", "queued", "running", "success", "failed", "canceled", "skipped"]);

export type BuildStep = { name?: string; run: string; env?: Record<string, string> };

export const buildJobs = pgTable(
  "build_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    pipelineId: uuid("pipeline_id")
      .notNull()
      .references(() => pipelines.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** names of jobs in the same pipeline that must succeed first */
    needs: text("needs")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    steps: jsonb("steps").$type<BuildStep[]>().notNull(),
    env: jsonb("env").$type<Record<string, string>>().notNull().default({}),
    /** null: any architecture */
    arch: text("arch"),
    /** a runner must carry every one of these tags */
    tags: text("tags")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    timeoutSeconds: integer("timeout_seconds").notNull().default(3600),
    artifactPaths: text("artifact_paths")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** binpkg, stage, log, file…: decides how long its artifacts are kept (ARTIFACT_RETENTION) */
    artifactKind: text("artifact_kind").notNull().default("file"),
    status: buildJobStatus("status").notNull().default("created"),
    attempt: integer("attempt").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(3),
    runnerId: uuid("runner_id").references(() => runners.id, { onDelete: "set null" }),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    /** bytes of log received for the current attempt */
    logBytes: bigint("log_bytes", { mode: "number" }).notNull().default(0),
    exitCode: integer("exit_code"),
    failureReason: text("failure_reason"),
    /** when admins were told that no online runner can take it (once per job) */
    stuckNotifiedAt: timestamp("stuck_notified_at", { withTimezone: true }),
    /** sha256 of the running attempt's job token (ROOKERY_JOB_TOKEN); valid only while that attempt runs */
    jobTokenHash: text("job_token_hash"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    queuedAt: timestamp("queued_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    unique("build_jobs_pipeline_name").on(t.pipelineId, t.name),
    index("build_jobs_queue_idx").on(t.status, t.queuedAt),
    index("build_jobs_runner_idx").on(t.runnerId),
    unique("build_jobs_job_token_hash").on(t.jobTokenHash),
  ],
);

/** The log of one attempt of a job, as chunks keyed by byte offset (a resent chunk is a no-op). */
export const buildJobLogChunks = pgTable(
  "build_job_log_chunks",
  {
    jobId: uuid("job_id")
      .notNull()
      .references(() => buildJobs.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    offset: bigint("offset", { mode: "number" }).notNull(),
    data: bytea("data").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.attempt, t.offset] })],
);

/** A file a job published; the bytes live in the artifact store under storageKey. */
export const buildArtifacts = pgTable(
  "build_artifacts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    jobId: uuid("job_id")
      .notNull()
      .references(() => buildJobs.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    /** path relative to the job's workspace */
    name: text("name").notNull(),
    kind: text("kind").notNull().default("file"),
    size: bigint("size", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    storageKey: text("storage_key").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
  },
  (t) => [unique("build_artifacts_job_attempt_name").on(t.jobId, t.attempt, t.name), index("build_artifacts_expiry_idx").on(t.expiresAt)],
);
