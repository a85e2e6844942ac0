import { sql } from "drizzle-orm";
import { index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { repositories } from "./git";

export const intentState = pgEnum("intent_state", ["pending", "done", "rolled_back"]);

export type IntentRefUpdate = { ref: string; oldSha: string; newSha: string };

/**
 * An operation that changes git and the database together, written before git is touched
 * (docs/intents.md). A pending row outlives a crash; the reconciler finishes or rolls it back.
 */
export const intents = pgTable(
  "intents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** which operation: "merge", "release-finish" */
    kind: text("kind").notNull(),
    /** the row the operation is about (the merge request) */
    subjectId: uuid("subject_id").notNull(),
    repoId: uuid("repo_id")
      .notNull()
      .references(() => repositories.id, { onDelete: "cascade" }),
    /** the ref moves, applied atomically; the first one decides (docs/intents.md) */
    updates: jsonb("updates").$type<IntentRefUpdate[]>().notNull(),
    /** what the completion needs (validated by the operation with zod) */
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    state: intentState("state").notNull().default("pending"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** set when the after-work was claimed: it runs once */
    afterWorkAt: timestamp("after_work_at", { withTimezone: true }),
  },
  (t) => [
    // one operation of a kind per subject at a time
    uniqueIndex("intents_pending_subject")
      .on(t.kind, t.subjectId)
      .where(sql`${t.state} = 'pending'`),
    index("intents_state_idx").on(t.state, t.createdAt),
  ],
);
