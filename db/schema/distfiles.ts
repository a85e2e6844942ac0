import { bigint, date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { organizations } from "./orgs";
import { users } from "./users";

/**
 * The distfiles mirror (/distfiles/): one row per file name, public (fetched from upstream
 * mirrors, verified against a Manifest) or private to an organization (uploaded by its
 * leaders: fetch-restricted sources). Bytes live once per BLAKE2B in DATA_DIR/distfiles/.store.
 */
export const distfiles = pgTable(
  "distfiles",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    filename: text("filename").notNull(),
    /** null: the public mirror; else served only to that organization's members and admins */
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "cascade" }),
    size: bigint("size", { mode: "number" }).notNull(),
    blake2b: text("blake2b").notNull(),
    sha512: text("sha512").notNull(),
    /** the URL it was fetched from, or "upload" */
    source: text("source").notNull(),
    uploadedBy: uuid("uploaded_by").references(() => users.id, { onDelete: "set null" }),
    hits: integer("hits").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("distfiles_public_filename_idx")
      .on(t.filename)
      .where(sql`${t.orgId} is null`),
    uniqueIndex("distfiles_org_filename_idx")
      .on(t.orgId, t.filename)
      .where(sql`${t.orgId} is not null`),
    index("distfiles_blake2b_idx").on(t.blake2b),
    index("distfiles_last_used_idx").on(t.lastUsedAt),
  ],
);

/** Per day: requests answered from the store, downloads from upstream, and refusals (no Manifest entry, mismatch, upstream failure). */
export const distfileStats = pgTable("distfile_stats", {
  day: date("day").primaryKey(),
  hits: integer("hits").notNull().default(0),
  fetches: integer("fetches").notNull().default(0),
  refused: integer("refused").notNull().default(0),
});
