import { and, asc, count, desc, eq, ilike, or, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { containsPattern } from "@/db/like";
import { memberships, mergeRequests, organizations, repositories } from "@/db/schema";
import { mrPath } from "@/server/mergerequests";
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
  const mine = db.select({ orgId: memberships.orgId, role: memberships.role }).from(memberships).where(eq(memberships.userId, opts.userId)).as("mine");
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
  const joined = opts.all ? base.leftJoin(mine, eq(mine.orgId, organizations.id)) : base.innerJoin(mine, eq(mine.orgId, organizations.id));
  return joined
    .leftJoin(counts, eq(counts.orgId, organizations.id))
    .where(or(ilike(organizations.name, pattern), ilike(organizations.slug, pattern), ilike(organizations.description, pattern)))
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

/** The orgs whose repositories `userId` may read: every org for admins (`all`), else their memberships. */
function readableOrg(opts: { userId: string; all: boolean }) {
  return opts.all ? sql`true` : sql`${repositories.orgId} in (select ${memberships.orgId} from ${memberships} where ${memberships.userId} = ${opts.userId})`;
}

/** Repositories matching `q` by name or description, in the orgs the user may read. */
export async function searchRepos(db: DbOrTx, opts: { q: string; userId: string; all: boolean; limit: number }) {
  const pattern = containsPattern(opts.q);
  return db
    .select({ id: repositories.id, name: repositories.name, description: repositories.description, kind: repositories.kind, orgSlug: organizations.slug })
    .from(repositories)
    .innerJoin(organizations, eq(organizations.id, repositories.orgId))
    .where(and(readableOrg(opts), or(ilike(repositories.name, pattern), ilike(repositories.description, pattern))))
    .orderBy(asc(organizations.slug), asc(repositories.name))
    .limit(opts.limit);
}

/** Merge requests matching `q` by title (or `!number`), in the orgs the user may read, newest first. */
export async function searchMergeRequests(db: DbOrTx, opts: { q: string; userId: string; all: boolean; limit: number }) {
  const number = /^!?(\d{1,9})$/.exec(opts.q)?.[1];
  const rows = await db
    .select({
      id: mergeRequests.id,
      number: mergeRequests.number,
      title: mergeRequests.title,
      state: mergeRequests.state,
      repo: repositories.name,
      orgSlug: organizations.slug,
    })
    .from(mergeRequests)
    .innerJoin(repositories, eq(repositories.id, mergeRequests.repoId))
    .innerJoin(organizations, eq(organizations.id, repositories.orgId))
    .where(
      and(
        readableOrg(opts),
        number ?
          or(eq(mergeRequests.number, Number(number)), ilike(mergeRequests.title, containsPattern(opts.q)))
        : ilike(mergeRequests.title, containsPattern(opts.q)),
      ),
    )
    .orderBy(desc(mergeRequests.createdAt))
    .limit(opts.limit);
  return rows.map((r) => ({ ...r, href: mrPath({ orgSlug: r.orgSlug, name: r.repo }, r.number) }));
}
