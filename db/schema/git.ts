import { sql } from "drizzle-orm";
import { boolean, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./orgs";

/** standard: customers' repos; module-mirror: read-only copy of infrastructure/<name>; pull-mirror: fetched from a URL. */
export const repoKind = pgEnum("repo_kind", ["standard", "module-mirror", "pull-mirror"]);
export const pushAccess = pgEnum("push_access", ["nobody", "leaders", "developers"]);

export const repositories = pgTable(
  "repositories",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    defaultBranch: text("default_branch").notNull().default("develop"),
    kind: repoKind("kind").notNull().default("standard"),
    /** module-mirror: "infrastructure/role"; pull-mirror: the upstream URL */
    upstream: text("upstream"),
    archivedAt: timestamp("archived_at", { withTimezone: true }),
    pushedAt: timestamp("pushed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // Names differing only in case would be two repositories to git but one to people (and to case-insensitive disks).
  (t) => [uniqueIndex("repositories_org_lower_name").on(t.orgId, sql`lower(${t.name})`), index("repositories_upstream_idx").on(t.upstream)],
);

/** Branch protection per repo; patterns are exact names or a trailing `/*` prefix. */
export const branchProtections = pgTable(
  "branch_protections",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    repoId: uuid("repo_id")
      .notNull()
      .references(() => repositories.id, { onDelete: "cascade" }),
    pattern: text("pattern").notNull(),
    pushAccess: pushAccess("push_access").notNull().default("nobody"),
    allowForcePush: boolean("allow_force_push").notNull().default(false),
    allowDeletion: boolean("allow_deletion").notNull().default(false),
    /** merge rules: approvals needed, whether the author's own counts, Signed-off-by, green statuses */
    requiredApprovals: integer("required_approvals").notNull().default(1),
    authorsCannotApprove: boolean("authors_cannot_approve").notNull().default(true),
    requireSignoff: boolean("require_signoff").notNull().default(false),
    /** every discussion thread of the merge request resolved */
    requireResolvedThreads: boolean("require_resolved_threads").notNull().default(false),
    requiredContexts: text("required_contexts").array().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("branch_protections_repo_lower_pattern").on(t.repoId, sql`lower(${t.pattern})`)],
);
