import { asc, count, eq, ilike, or, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { containsPattern } from "@/db/like";
import { memberships, organizations } from "@/db/schema";
import { listUsers } from "@/server/users";

/**
 * Organizations matching `q` by name, slug or description. `all` (admins) searches
 * every org; otherwise only `userId`'s memberships. Rows carry that user's role, if any.
 */
export async function searchOrgs(db: DbOrTx, opts: { q: string; userId: string; all: boolean; limit: number }) {
  const pattern = containsPattern(opts.q);
  const counts = db
    .select({ orgId: memberships.orgId, n: count().as("n") })
    .from(memberships)
    .groupBy(memberships.orgId)
    .as("counts");
  const mine = db
    .select({ orgId: memberships.orgId, role: memberships.role })
    .from(memberships)
    .where(eq(memberships.userId, opts.userId))
    .as("mine");
  const base = db
    .select({
      id: organizations.id,
      slug: organizations.slug,
      name: organizations.name,
      description: organizations.description,
      source: organizations.source,
      archivedAt: organizations.archivedAt,
      role: mine.role,
      memberCount: sql<number>`coalesce(${counts.n}, 0)::int`,
    })
    .from(organizations);
  const joined = opts.all
    ? base.leftJoin(mine, eq(mine.orgId, organizations.id))
    : base.innerJoin(mine, eq(mine.orgId, organizations.id));
  return joined
    .leftJoin(counts, eq(counts.orgId, organizations.id))
    .where(
      or(ilike(organizations.name, pattern), ilike(organizations.slug, pattern), ilike(organizations.description, pattern)),
    )
    .orderBy(sql`${organizations.archivedAt} is not null`, asc(organizations.name))
    .limit(opts.limit);
}

/**
 * Users matching `q` by username, name or email (for admins): the first page of the admin
 * user list's search, without the last-login column.
 */
export async function searchUsers(db: DbOrTx, opts: { q: string; limit: number }) {
  const { items } = await listUsers(db, { query: opts.q, limit: opts.limit });
  return items.map(({ lastLoginAt: _lastLoginAt, ...user }) => user);
}
