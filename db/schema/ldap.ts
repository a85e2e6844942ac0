import { integer, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

export const syncStatus = pgEnum("sync_status", ["running", "success", "failed"]);

export const ldapSyncRuns = pgTable("ldap_sync_runs", {
  id: uuid("id").primaryKey().defaultRandom(),
  trigger: text("trigger").notNull(),
  triggeredBy: uuid("triggered_by").references(() => users.id, { onDelete: "set null" }),
  status: syncStatus("status").notNull().default("running"),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
  orgsAdded: integer("orgs_added").notNull().default(0),
  orgsUpdated: integer("orgs_updated").notNull().default(0),
  orgsArchived: integer("orgs_archived").notNull().default(0),
  usersAdded: integer("users_added").notNull().default(0),
  usersUpdated: integer("users_updated").notNull().default(0),
  membersAdded: integer("members_added").notNull().default(0),
  membersRemoved: integer("members_removed").notNull().default(0),
  membersChanged: integer("members_changed").notNull().default(0),
  error: text("error"),
});
