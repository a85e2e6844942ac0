import { index, pgEnum, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { repositories } from "./git";
import { mergeRequests } from "./mergerequests";
import { users } from "./users";

export const releaseKind = pgEnum("release_kind", ["release", "hotfix"]);

/** A published version: the vX.Y.Z tag on master, with the notes its CHANGELOG entry had. */
export const releases = pgTable(
  "releases",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    repoId: uuid("repo_id")
      .notNull()
      .references(() => repositories.id, { onDelete: "cascade" }),
    version: text("version").notNull(),
    kind: releaseKind("kind").notNull(),
    /** the commit the tag points at (the merge into master) */
    commitSha: text("commit_sha").notNull(),
    notes: text("notes").notNull().default(""),
    mergeRequestId: uuid("merge_request_id").references(() => mergeRequests.id, { onDelete: "set null" }),
    /** when master could not be merged back into develop cleanly: the MR opened for it */
    backMergeRequestId: uuid("back_merge_request_id").references(() => mergeRequests.id, { onDelete: "set null" }),
    publishedById: uuid("published_by_id").references(() => users.id, { onDelete: "set null" }),
    publishedAt: timestamp("published_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("releases_repo_version").on(t.repoId, t.version), index("releases_repo_published").on(t.repoId, t.publishedAt)],
);
