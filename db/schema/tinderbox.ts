import { index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { mergeRequests } from "./mergerequests";
import { organizations } from "./orgs";
import { users } from "./users";

export const tinderboxTrigger = pgEnum("tinderbox_trigger", ["schedule", "manual", "cli"]);
export const tinderboxStatus = pgEnum("tinderbox_status", ["queued", "running", "up-to-date", "opened", "updated", "failed"]);

/** One pass of an organization's tinderbox over its puppet repository (docs/tinderbox.md). */
export const tinderboxRuns = pgTable(
  "tinderbox_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    trigger: tinderboxTrigger("trigger").notNull(),
    triggeredById: uuid("triggered_by_id").references(() => users.id, { onDelete: "set null" }),
    status: tinderboxStatus("status").notNull().default("queued"),
    /** why it failed, or the remark of a run that did nothing */
    reason: text("reason"),
    mergeRequestId: uuid("merge_request_id").references(() => mergeRequests.id, { onDelete: "set null" }),
    /** develop's head the run started from, and the commit it pushed to feature/tinderbox */
    baseSha: text("base_sha"),
    pushedSha: text("pushed_sha"),
    /** { modules: ModuleChange[], notes: string[] } */
    changes: jsonb("changes").$type<{ modules: unknown[]; notes: string[] }>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("tinderbox_runs_org_created").on(t.orgId, t.createdAt)],
);

/**
 * The schedule of each organization's tinderbox, as `.rookery/tinderbox.yaml` on develop of
 * its puppet repository says (server/tinderbox/schedule.ts). A cache: re-read at most hourly
 * and after every run, so the every-minute fan-out reads no git.
 */
export const tinderboxSchedules = pgTable("tinderbox_schedules", {
  orgId: uuid("org_id")
    .primaryKey()
    .references(() => organizations.id, { onDelete: "cascade" }),
  /** `off`, `hourly`, `daily`, `weekly` or a 5-field cron expression (UTC), as written */
  schedule: text("schedule").notNull(),
  /** why the file could not be read (the default schedule applies meanwhile) */
  error: text("error"),
  /** when the file was last read */
  checkedAt: timestamp("checked_at", { withTimezone: true }).notNull(),
  /** when the schedule last started a run */
  lastFiredAt: timestamp("last_fired_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
