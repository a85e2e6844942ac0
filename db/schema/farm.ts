import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { buildJobs } from "./runners";
import { users } from "./users";

/** Build architectures (admin-managed): the keyword portage knows, its CHOST and default CFLAGS. */
export const farmArchitectures = pgTable("farm_architectures", {
  id: uuid("id").primaryKey().defaultRandom(),
  keyword: text("keyword").notNull().unique(),
  chost: text("chost").notNull(),
  cflags: text("cflags").notNull(),
  description: text("description").notNull().default(""),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Build environments (admin-managed). Which build-profiles branches feed one is git-flow's
 * fixed mapping; `portageBranch` is the branch of the portage tree mirror it builds against.
 */
export const farmEnvironments = pgTable("farm_environments", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  description: text("description").notNull().default(""),
  portageBranch: text("portage_branch").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One published binhost directory (env × arch × profile), a numbered build (1, 2, 3… per
 * target). The one with no `supersededAt` is live: the newest, or the one an admin rolled back to.
 */
export const binhostPublications = pgTable(
  "binhost_publications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    environment: text("environment").notNull(),
    arch: text("arch").notNull(),
    profile: text("profile").notNull(),
    /** Directory name under the profile's publications folder. */
    dir: text("dir").notNull(),
    packageCount: integer("package_count").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    /** Packages left out because a parent profile already publishes them. */
    inherited: integer("inherited").notNull().default(0),
    /** Fingerprint of the environment key that signed its packages (GLEP 78), null when unsigned. */
    signingKey: text("signing_key"),
    /** Build number within its target, assigned in the publishing transaction. */
    number: integer("number").notNull(),
    /** Build notes (Markdown), edited by admins. */
    notes: text("notes").notNull().default(""),
    /** The farm job that built it (logs, artifacts, tree/overlay commits); null when uploaded. */
    jobId: uuid("job_id").references(() => buildJobs.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set when a newer publication replaced this one; retention removes the oldest of these. */
    supersededAt: timestamp("superseded_at", { withTimezone: true }),
    removedAt: timestamp("removed_at", { withTimezone: true }),
  },
  (t) => [
    index("binhost_publications_target_idx").on(t.environment, t.arch, t.profile, t.createdAt),
    unique("binhost_publications_target_number").on(t.environment, t.arch, t.profile, t.number),
  ],
);

/** A named pointer (`stable`, `pre-upgrade`) at one build of a target; moving it re-points it. */
export const binhostTags = pgTable(
  "binhost_tags",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    environment: text("environment").notNull(),
    arch: text("arch").notNull(),
    profile: text("profile").notNull(),
    name: text("name").notNull(),
    publicationId: uuid("publication_id")
      .notNull()
      .references(() => binhostPublications.id, { onDelete: "cascade" }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("binhost_tags_target_name").on(t.environment, t.arch, t.profile, t.name), index("binhost_tags_publication_idx").on(t.publicationId)],
);

/** The packages of each publication, for search ("which environments have dev-db/mysql-8.0.36?"). */
export const binhostPackages = pgTable(
  "binhost_packages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    publicationId: uuid("publication_id")
      .notNull()
      .references(() => binhostPublications.id, { onDelete: "cascade" }),
    cpv: text("cpv").notNull(),
    slot: text("slot").notNull(),
    buildId: integer("build_id").notNull(),
    path: text("path").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    sha1: text("sha1").notNull(),
    /** SHA1 of the package as the build produced it, before signing (dedupe against parents). */
    sourceSha1: text("source_sha1"),
  },
  (t) => [unique("binhost_packages_pub_path").on(t.publicationId, t.path), index("binhost_packages_cpv_idx").on(t.cpv)],
);

/**
 * When a profile (or a stack) of an environment is built by itself: on a cron schedule
 * (daily, weekly, monthly are presets of it) or after every change to build-profiles on
 * the environment's branch ("merge").
 */
export const farmSchedules = pgTable("farm_schedules", {
  id: uuid("id").primaryKey().defaultRandom(),
  environment: text("environment").notNull(),
  arch: text("arch").notNull(),
  /** a profile name, or a stack's when `isStack` */
  target: text("target").notNull(),
  isStack: boolean("is_stack").notNull().default(false),
  variant: text("variant").$type<"incremental" | "clean">().notNull().default("incremental"),
  /** "merge", or a 5-field cron expression (UTC) */
  trigger: text("trigger").notNull(),
  enabled: boolean("enabled").notNull().default(true),
  lastRunAt: timestamp("last_run_at", { withTimezone: true }),
  lastPipelineId: uuid("last_pipeline_id"),
  lastError: text("last_error"),
  createdBy: uuid("created_by"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** How a portage tree sync ended: development moved (created, fast-forward, merge), was already there, or stopped. */
export const treeSyncOutcome = pgEnum("tree_sync_outcome", ["created", "fast-forward", "merge", "up-to-date", "conflict", "error"]);

/**
 * One sync of infrastructure/gentoo from the upstream portage tree (server/farm/tree.ts):
 * what upstream was at, what development moved from and to, and why it stopped.
 */
export const portageTreeSyncs = pgTable(
  "portage_tree_syncs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    trigger: text("trigger").notNull(),
    triggeredBy: uuid("triggered_by").references(() => users.id, { onDelete: "set null" }),
    upstreamUrl: text("upstream_url").notNull(),
    outcome: treeSyncOutcome("outcome").notNull(),
    upstreamSha: text("upstream_sha"),
    developmentBefore: text("development_before"),
    developmentAfter: text("development_after"),
    error: text("error"),
    conflicts: text("conflicts").array().notNull().default([]),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("portage_tree_syncs_finished_idx").on(t.finishedAt)],
);

/**
 * The security advisories (GLSAs) the last scan read from the environments' tree branches
 * (server/farm/glsa-scan.ts); one row per advisory id, as its newest scan read it.
 */
export const glsaAdvisories = pgTable("glsa_advisories", {
  id: text("id").primaryKey(),
  title: text("title").notNull(),
  synopsis: text("synopsis").notNull(),
  /** the impact's type: high, normal, low */
  severity: text("severity").notNull(),
  announced: text("announced").notNull(),
  revised: text("revised").notNull(),
  bugs: text("bugs").array().notNull().default([]),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A published package an advisory affects, per binhost (environment × arch × profile). Open
 * while the newest live publication of the binhost still has the vulnerable version;
 * `resolvedAt` is set by the first scan after a publication without it.
 */
export const glsaMatches = pgTable(
  "glsa_matches",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    glsaId: text("glsa_id").notNull(),
    environment: text("environment").notNull(),
    arch: text("arch").notNull(),
    profile: text("profile").notNull(),
    cpv: text("cpv").notNull(),
    slot: text("slot").notNull(),
    /** the live publication the package was last seen in */
    publicationId: uuid("publication_id").notNull(),
    /** the unaffected ranges above the version (`>=3.1.4:3.1`), null when the advisory names none */
    fixedBy: text("fixed_by"),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    /** the publication that no longer had the vulnerable version */
    resolvedByPublicationId: uuid("resolved_by_publication_id"),
  },
  (t) => [unique("glsa_matches_key").on(t.glsaId, t.environment, t.arch, t.profile, t.cpv), index("glsa_matches_open_idx").on(t.resolvedAt, t.firstSeenAt)],
);

/** One GLSA scan: what it read and found, and the advisories it could not read (skipped). */
export const glsaScans = pgTable(
  "glsa_scans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    trigger: text("trigger").notNull(),
    advisories: integer("advisories").notNull(),
    publications: integer("publications").notNull(),
    open: integer("open").notNull(),
    newMatches: integer("new_matches").notNull(),
    resolved: integer("resolved").notNull(),
    errors: jsonb("errors").$type<{ environment: string; branch: string; file: string | null; message: string }[]>().notNull().default([]),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("glsa_scans_finished_idx").on(t.finishedAt)],
);

/**
 * Published stages (stage3 per system profile, stage4 per stack): the tarball, its DIGESTS
 * and detached signatures under DATA_DIR/stages/<env>/<arch>/<name>/. The newest row of a
 * target is its `latest`; a row exists only once the files were verified and moved in place.
 */
export const farmStages = pgTable(
  "farm_stages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    environment: text("environment").notNull(),
    arch: text("arch").notNull(),
    /** The system profile (stage3) or the stack (stage4). */
    name: text("name").notNull(),
    kind: text("kind", { enum: ["stage3", "stage4"] }).notNull(),
    /** Gentoo's release stamp, e.g. 20261207T231500Z. */
    stamp: text("stamp").notNull(),
    fileName: text("file_name").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    sha512: text("sha512").notNull(),
    blake2b: text("blake2b").notNull(),
    /** Fingerprint of the environment key that signed the tarball and DIGESTS, null when unsigned. */
    signingKey: text("signing_key"),
    /** The runner job that assembled it. */
    jobId: uuid("job_id"),
    treeCommit: text("tree_commit"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("farm_stages_file_unique").on(t.environment, t.arch, t.name, t.fileName),
    index("farm_stages_target_idx").on(t.environment, t.arch, t.name, t.kind, t.createdAt),
  ],
);
