import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** One row per worker process; /api/health reads the freshest. */
export const workerHeartbeats = pgTable("worker_heartbeats", {
  id: text("id").primaryKey(),
  host: text("host").notNull(),
  seenAt: timestamp("seen_at", { withTimezone: true }).notNull().defaultNow(),
});
