import { and, count, desc, eq, exists, inArray, notExists, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, mergeRequestApprovals, mergeRequestReviewers, mergeRequests, organizations, repositories, users } from "@/db/schema";
import type { User } from "@/server/users";
import { MRS_PER_PAGE } from "./index";

export type InboxFilter = "assigned" | "review" | "created" | "all";

const inMyOrgs = (userId: string) =>
  inArray(repositories.orgId, sql`(select ${memberships.orgId} from ${memberships} where ${memberships.userId} = ${userId})`);

const reviewRequested = (userId: string) =>
  exists(
    sql`(select 1 from ${mergeRequestReviewers} where ${mergeRequestReviewers.mrId} = ${mergeRequests.id} and ${mergeRequestReviewers.userId} = ${userId})`,
  );

/** Awaiting my review: I am a reviewer and have not approved the current head. */
const awaitingMe = (userId: string) =>
  and(
    reviewRequested(userId),
    notExists(
      sql`(select 1 from ${mergeRequestApprovals} where ${mergeRequestApprovals.mrId} = ${mergeRequests.id} and ${mergeRequestApprovals.userId} = ${userId} and ${mergeRequestApprovals.headSha} = ${mergeRequests.headSha})`,
    ),
  );

function where(user: User, filter: InboxFilter) {
  const open = eq(mergeRequests.state, "open");
  if (filter === "assigned") return and(open, inMyOrgs(user.id), eq(mergeRequests.assigneeId, user.id));
  if (filter === "review") return and(open, inMyOrgs(user.id), reviewRequested(user.id));
  if (filter === "created") return and(open, inMyOrgs(user.id), eq(mergeRequests.authorId, user.id));
  return and(open, inMyOrgs(user.id));
}

/** Open merge requests in the user's organizations, by how they relate to the user. */
export async function listInbox(db: DbOrTx, user: User, filter: InboxFilter, page: number) {
  const rows = await db
    .select({
      id: mergeRequests.id,
      number: mergeRequests.number,
      title: mergeRequests.title,
      sourceBranch: mergeRequests.sourceBranch,
      targetBranch: mergeRequests.targetBranch,
      mergeability: mergeRequests.mergeability,
      createdAt: mergeRequests.createdAt,
      repo: repositories.name,
      org: organizations.slug,
      author: users.username,
    })
    .from(mergeRequests)
    .innerJoin(repositories, eq(repositories.id, mergeRequests.repoId))
    .innerJoin(organizations, eq(organizations.id, repositories.orgId))
    .leftJoin(users, eq(users.id, mergeRequests.authorId))
    .where(where(user, filter))
    .orderBy(desc(mergeRequests.createdAt))
    .limit(MRS_PER_PAGE + 1)
    .offset((page - 1) * MRS_PER_PAGE);
  return { items: rows.slice(0, MRS_PER_PAGE), hasMore: rows.length > MRS_PER_PAGE };
}

/** The top bar's number (reviews waiting for me) and one per filter. */
export async function inboxCounts(db: DbOrTx, user: User) {
  const n = async (cond: ReturnType<typeof where>) =>
    (await db.select({ n: count() }).from(mergeRequests).innerJoin(repositories, eq(repositories.id, mergeRequests.repoId)).where(cond))[0].n;
  const [awaiting, assigned, review, created, all] = await Promise.all([
    n(and(eq(mergeRequests.state, "open"), inMyOrgs(user.id), awaitingMe(user.id))),
    n(where(user, "assigned")),
    n(where(user, "review")),
    n(where(user, "created")),
    n(where(user, "all")),
  ]);
  return { awaiting, assigned, review, created, all };
}
