import { index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, unique, uuid, boolean } from "drizzle-orm/pg-core";
import { repositories } from "./git";
import { users } from "./users";

export const mrState = pgEnum("mr_state", ["open", "merged", "closed"]);
/** checking: a background job is (re)computing it; behind: clean, but fast-forward is impossible */
export const mrMergeability = pgEnum("mr_mergeability", ["checking", "clean", "conflicts", "behind"]);
export const mergeMethod = pgEnum("merge_method", ["merge", "ff", "squash"]);
export const commitStatusState = pgEnum("commit_status_state", ["pending", "success", "failed"]);

export const mergeRequests = pgTable(
  "merge_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    repoId: uuid("repo_id")
      .notNull()
      .references(() => repositories.id, { onDelete: "cascade" }),
    /** !N, per repository */
    number: integer("number").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    authorId: uuid("author_id").references(() => users.id, { onDelete: "set null" }),
    /** who should carry it through (often the author; the Inbox's "assigned to me") */
    assigneeId: uuid("assignee_id").references(() => users.id, { onDelete: "set null" }),
    sourceBranch: text("source_branch").notNull(),
    targetBranch: text("target_branch").notNull(),
    state: mrState("state").notNull().default("open"),
    /** the source head the MR shows (and merges); moves with pushes to the source */
    headSha: text("head_sha").notNull(),
    /** the target head mergeability was computed against */
    baseSha: text("base_sha"),
    mergeability: mrMergeability("mergeability").notNull().default("checking"),
    conflictFiles: text("conflict_files").array().notNull().default([]),
    /** commits of the target the source does not have */
    behindBy: integer("behind_by").notNull().default(0),
    autoMerge: jsonb("auto_merge").$type<{ method: "merge" | "ff" | "squash"; deleteSource: boolean; userId: string; headSha: string } | null>(),
    mergedAt: timestamp("merged_at", { withTimezone: true }),
    mergedById: uuid("merged_by_id").references(() => users.id, { onDelete: "set null" }),
    mergeCommitSha: text("merge_commit_sha"),
    mergeMethod: mergeMethod("merge_method"),
    closedAt: timestamp("closed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("merge_requests_repo_number").on(t.repoId, t.number),
    index("merge_requests_repo_state_idx").on(t.repoId, t.state, t.createdAt),
    index("merge_requests_author_idx").on(t.authorId, t.state),
    index("merge_requests_assignee_idx").on(t.assigneeId, t.state),
  ],
);

export const mergeRequestReviewers = pgTable(
  "merge_request_reviewers",
  {
    mrId: uuid("mr_id")
      .notNull()
      .references(() => mergeRequests.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.mrId, t.userId] }), index("merge_request_reviewers_user_idx").on(t.userId)],
);

/** One approval per user; stale once the MR's head is no longer `headSha`. */
export const mergeRequestApprovals = pgTable(
  "merge_request_approvals",
  {
    mrId: uuid("mr_id")
      .notNull()
      .references(() => mergeRequests.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    headSha: text("head_sha").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.mrId, t.userId] })],
);

/** General comments (path null) and line comments; replies point at their thread's first comment. */
export const mergeRequestComments = pgTable(
  "merge_request_comments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    mrId: uuid("mr_id")
      .notNull()
      .references(() => mergeRequests.id, { onDelete: "cascade" }),
    authorId: uuid("author_id").references(() => users.id, { onDelete: "set null" }),
    threadId: uuid("thread_id"),
    body: text("body").notNull(),
    path: text("path"),
    /** new-side line number (old side for deleted lines) */
    line: integer("line"),
    side: text("side").$type<"old" | "new">(),
    commitSha: text("commit_sha"),
    resolved: boolean("resolved").notNull().default(false),
    resolvedById: uuid("resolved_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("merge_request_comments_mr_idx").on(t.mrId, t.createdAt)],
);

/** The activity of a merge request: opened, pushed, approved, merged, closed, reopened… */
export const mergeRequestEvents = pgTable(
  "merge_request_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    mrId: uuid("mr_id")
      .notNull()
      .references(() => mergeRequests.id, { onDelete: "cascade" }),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    kind: text("kind").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("merge_request_events_mr_idx").on(t.mrId, t.createdAt)],
);

/** The latest state per (repo, sha, context), as CI and builds report it. */
export const commitStatuses = pgTable(
  "commit_statuses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    repoId: uuid("repo_id")
      .notNull()
      .references(() => repositories.id, { onDelete: "cascade" }),
    sha: text("sha").notNull(),
    context: text("context").notNull(),
    state: commitStatusState("state").notNull(),
    description: text("description").notNull().default(""),
    targetUrl: text("target_url"),
    creatorId: uuid("creator_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("commit_statuses_repo_sha_context").on(t.repoId, t.sha, t.context)],
);
