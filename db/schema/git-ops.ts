import { bigint, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { repositories } from "./git";
import { users } from "./users";

export const mirrorSyncStatus = pgEnum("mirror_sync_status", ["ok", "error"]);

/**
 * Pull-mirror settings and sync state of a `pull-mirror` repository (1:1). The URL is
 * stored without credentials (also in repositories.upstream, for display); credentials
 * given in the URL are kept AES-256-GCM encrypted and handed to git by a credential helper.
 */
export const pullMirrors = pgTable("pull_mirrors", {
  repoId: uuid("repo_id")
    .primaryKey()
    .references(() => repositories.id, { onDelete: "cascade" }),
  url: text("url").notNull(),
  credentialsEncrypted: text("credentials_encrypted"),
  intervalMinutes: integer("interval_minutes").notNull().default(60),
  nextSyncAt: timestamp("next_sync_at", { withTimezone: true }).notNull().defaultNow(),
  lastSyncAt: timestamp("last_sync_at", { withTimezone: true }),
  lastStatus: mirrorSyncStatus("last_status"),
  lastError: text("last_error"),
  lastDurationMs: integer("last_duration_ms"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const backupStatus = pgEnum("backup_status", ["running", "success", "partial", "failed"]);

export type BackupError = { repo: string; error: string };

/** One run of the repository backup (daily schedule, admin button or CLI). */
export const backupRuns = pgTable("backup_runs", {
  id: uuid("id").primaryKey().defaultRandom(),
  trigger: text("trigger").notNull(),
  triggeredBy: uuid("triggered_by").references(() => users.id, { onDelete: "set null" }),
  status: backupStatus("status").notNull().default("running"),
  /** YYYY-MM-DD: the directory under DATA_DIR/backups */
  day: text("day").notNull(),
  directory: text("directory").notNull(),
  reposTotal: integer("repos_total").notNull().default(0),
  reposBackedUp: integer("repos_backed_up").notNull().default(0),
  reposEmpty: integer("repos_empty").notNull().default(0),
  reposFailed: integer("repos_failed").notNull().default(0),
  bytes: bigint("bytes", { mode: "number" }).notNull().default(0),
  errors: jsonb("errors").$type<BackupError[]>().notNull().default([]),
  /** dates removed by retention in this run */
  pruned: jsonb("pruned").$type<string[]>().notNull().default([]),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
});

export const housekeepingStatus = pgEnum("housekeeping_status", ["ok", "failed"]);

/** The last housekeeping run of each repository (git gc --auto, stale temporaries, commit-graph): one row per repository, overwritten by each run. */
export const repoHousekeeping = pgTable("repo_housekeeping", {
  repoId: uuid("repo_id")
    .primaryKey()
    .references(() => repositories.id, { onDelete: "cascade" }),
  /** schedule, push or manual */
  trigger: text("trigger").notNull(),
  triggeredBy: uuid("triggered_by").references(() => users.id, { onDelete: "set null" }),
  status: housekeepingStatus("status").notNull(),
  error: text("error"),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  finishedAt: timestamp("finished_at", { withTimezone: true }).notNull(),
  durationMs: integer("duration_ms").notNull(),
  /** disk usage of the repository directory before and after the run */
  bytesBefore: bigint("bytes_before", { mode: "number" }).notNull(),
  bytesAfter: bigint("bytes_after", { mode: "number" }).notNull(),
  /** quarantine directories and pack temporaries of killed pushes removed */
  temporariesRemoved: integer("temporaries_removed").notNull().default(0),
});
