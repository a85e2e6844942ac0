import { and, count, desc, eq, inArray, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { memberships, mergeRequestApprovals, mergeRequestEvents, mergeRequestReviewers, mergeRequests, repositories, users } from "@/db/schema";
import { isValidBranchName } from "@/server/git/manage";
import { branchHead, isAncestor } from "@/server/git/plumbing/merge";
import type { RepoWithOrg } from "@/server/git/repos";
import { queues } from "@/server/jobs";
import { enqueueWith } from "@/server/jobs/transactional";
import { notify } from "@/server/notify";
import type { User } from "@/server/users";
import { emitMergeRequestEvent } from "./webhooks";
import { InputError, StateError } from "@/server/errors";

/**
 * Merge requests: a source branch proposed for a target branch of the same repository.
 * The row keeps the source head it shows (headSha) and the mergeability computed in the
 * background (refresh.ts); merging lives in merge.ts, review in review.ts.
 */

export type MergeRequest = typeof mergeRequests.$inferSelect;

export class MrInputError extends InputError {}

/** A refusal a person can act on (merge blocked, stale head…): tRPC answers CONFLICT. */
export class MrStateError extends StateError {
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const MRS_PER_PAGE = 25;

export function mrPath(repo: { orgSlug: string; name: string }, number: number) {
  return `/orgs/${repo.orgSlug}/repos/${encodeURIComponent(repo.name)}/merge_requests/${number}`;
}

export async function recordEvent(db: DbOrTx, mrId: string, actorId: string | null, kind: string, details: Record<string, unknown> = {}) {
  await db.insert(mergeRequestEvents).values({ mrId, actorId, kind, details });
}

/** Enqueues a mergeability refresh of these merge requests (inside the caller's transaction when given one). */
export async function queueRefresh(db: DbOrTx, repoId: string, mrIds: string[]) {
  if (!mrIds.length) return;
  await enqueueWith(db, queues.mrRefresh, [{ repoId, mrIds }], { retryLimit: 2, retryDelay: 5 });
}

export type NewMergeRequest = { title: string; description: string; sourceBranch: string; targetBranch: string; reviewers: string[]; assignee?: string | null };

/** An org member by username, or a field error. */
async function memberNamed(db: DbOrTx, repo: RepoWithOrg, username: string, field: string) {
  const [m] = await db
    .select({ id: users.id, username: users.username })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, repo.orgId), eq(users.username, username.trim().toLowerCase())));
  if (!m) throw new MrInputError(field, `Not a member of ${repo.orgSlug}: ${username}`);
  return m;
}

/** Mirrors and archived repositories change only through their upstream / not at all. */
export function assertMergeable(repo: RepoWithOrg) {
  if (repo.kind !== "standard")
    throw new MrStateError(`${repo.orgSlug}/${repo.name} is a read-only mirror${repo.upstream ? ` of ${repo.upstream}` : ""}: propose changes there`);
  if (repo.archivedAt || repo.orgArchived) throw new MrStateError(`${repo.orgSlug}/${repo.name} is archived and read-only`);
}

export async function createMergeRequest(db: Db, repo: RepoWithOrg, dir: string, author: User, input: NewMergeRequest) {
  assertMergeable(repo);
  const title = input.title.trim();
  if (!title) throw new MrInputError("title", "Give the merge request a title");
  const source = input.sourceBranch.trim();
  const target = input.targetBranch.trim();
  if (source === target) throw new MrInputError("sourceBranch", "Source and target are the same branch: pick the branch with your changes as source");
  if (!isValidBranchName(source)) throw new MrInputError("sourceBranch", "Not a valid branch name");
  if (!isValidBranchName(target)) throw new MrInputError("targetBranch", "Not a valid branch name");
  const [head, base] = await Promise.all([branchHead(dir, source), branchHead(dir, target)]);
  if (!head) throw new MrInputError("sourceBranch", `There is no branch named ${source}: push it first`);
  if (!base) throw new MrInputError("targetBranch", `There is no branch named ${target}`);
  if (await isAncestor(dir, head, base))
    throw new MrInputError("sourceBranch", `${target} already contains every commit of ${source}: there is nothing to merge`);

  const reviewerNames = [...new Set(input.reviewers.map((r) => r.trim().toLowerCase()).filter(Boolean))];
  const reviewers =
    reviewerNames.length ?
      await db
        .select({ id: users.id, username: users.username })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.orgId, repo.orgId), inArray(users.username, reviewerNames)))
    : [];
  const unknown = reviewerNames.filter((n) => !reviewers.some((r) => r.username === n));
  if (unknown.length) throw new MrInputError("reviewers", `Not members of ${repo.orgSlug}: ${unknown.join(", ")}`);
  const assignee = input.assignee?.trim() ? await memberNamed(db, repo, input.assignee, "assignee") : null;

  return db
    .transaction(async (tx) => {
      // Numbers per repository: the repository row serializes concurrent openings.
      await tx.select({ id: repositories.id }).from(repositories).where(eq(repositories.id, repo.id)).for("update");
      const [open] = await tx
        .select({ number: mergeRequests.number })
        .from(mergeRequests)
        .where(
          and(
            eq(mergeRequests.repoId, repo.id),
            eq(mergeRequests.state, "open"),
            eq(mergeRequests.sourceBranch, source),
            eq(mergeRequests.targetBranch, target),
          ),
        );
      if (open) throw new MrInputError("sourceBranch", `Merge request !${open.number} already proposes ${source} for ${target}`);
      const [{ next }] = await tx
        .select({ next: sql<number>`coalesce(max(${mergeRequests.number}), 0) + 1` })
        .from(mergeRequests)
        .where(eq(mergeRequests.repoId, repo.id));
      const [mr] = await tx
        .insert(mergeRequests)
        .values({
          repoId: repo.id,
          number: Number(next),
          title,
          description: input.description,
          authorId: author.id,
          assigneeId: assignee?.id ?? null,
          sourceBranch: source,
          targetBranch: target,
          headSha: head,
          baseSha: base,
        })
        .returning();
      if (reviewers.length) await tx.insert(mergeRequestReviewers).values(reviewers.map((r) => ({ mrId: mr.id, userId: r.id })));
      await recordEvent(tx, mr.id, author.id, "opened", { sourceBranch: source, targetBranch: target, headSha: head });
      const others = reviewers.filter((r) => r.id !== author.id);
      if (others.length)
        await notify(tx, {
          kind: "mr.review_requested",
          title: `${author.displayName || author.username} asks you to review !${mr.number}: ${title}`,
          body: `${repo.orgSlug}/${repo.name}: ${source} → ${target}`,
          link: mrPath(repo, mr.number),
          orgId: repo.orgId,
          userIds: others.map((r) => r.id),
        });
      await queueRefresh(tx, repo.id, [mr.id]);
      return mr;
    })
    .then(async (mr) => {
      await emitMergeRequestEvent(db, repo, mr, "open", author);
      return mr;
    });
}

export async function getMergeRequest(db: DbOrTx, repoId: string, number: number): Promise<MergeRequest | null> {
  const [mr] = await db
    .select()
    .from(mergeRequests)
    .where(and(eq(mergeRequests.repoId, repoId), eq(mergeRequests.number, number)));
  return mr ?? null;
}

export async function getMergeRequestById(db: DbOrTx, id: string): Promise<MergeRequest | null> {
  const [mr] = await db.select().from(mergeRequests).where(eq(mergeRequests.id, id));
  return mr ?? null;
}

const person = { id: users.id, username: users.username, displayName: users.displayName };

export async function listMergeRequests(db: DbOrTx, repoId: string, opts: { state: "open" | "merged" | "closed" | "all"; page: number }) {
  const where = and(eq(mergeRequests.repoId, repoId), opts.state === "all" ? undefined : eq(mergeRequests.state, opts.state));
  const rows = await db
    .select({ mr: mergeRequests, author: person })
    .from(mergeRequests)
    .leftJoin(users, eq(users.id, mergeRequests.authorId))
    .where(where)
    .orderBy(desc(mergeRequests.number))
    .limit(MRS_PER_PAGE + 1)
    .offset((opts.page - 1) * MRS_PER_PAGE);
  const counts = await db
    .select({ state: mergeRequests.state, n: count() })
    .from(mergeRequests)
    .where(eq(mergeRequests.repoId, repoId))
    .groupBy(mergeRequests.state);
  const n = (s: string) => counts.find((c) => c.state === s)?.n ?? 0;
  return {
    items: rows.slice(0, MRS_PER_PAGE),
    hasMore: rows.length > MRS_PER_PAGE,
    counts: { open: n("open"), merged: n("merged"), closed: n("closed"), all: n("open") + n("merged") + n("closed") },
  };
}

/** People on a merge request: author, reviewers, approvals (with the head they approved). */
export async function participants(db: DbOrTx, mr: MergeRequest) {
  const one = (id: string | null) =>
    id ?
      db
        .select(person)
        .from(users)
        .where(eq(users.id, id))
        .then((r) => r[0] ?? null)
    : null;
  const [author, assignee, reviewers, approvals] = await Promise.all([
    one(mr.authorId),
    one(mr.assigneeId),
    db.select(person).from(mergeRequestReviewers).innerJoin(users, eq(users.id, mergeRequestReviewers.userId)).where(eq(mergeRequestReviewers.mrId, mr.id)),
    db
      .select({ ...person, headSha: mergeRequestApprovals.headSha, at: mergeRequestApprovals.createdAt })
      .from(mergeRequestApprovals)
      .innerJoin(users, eq(users.id, mergeRequestApprovals.userId))
      .where(eq(mergeRequestApprovals.mrId, mr.id)),
  ]);
  return { author, assignee, reviewers, approvals: approvals.map((a) => ({ ...a, stale: a.headSha !== mr.headSha })) };
}

export async function listEvents(db: DbOrTx, mrId: string) {
  return db
    .select({ id: mergeRequestEvents.id, kind: mergeRequestEvents.kind, details: mergeRequestEvents.details, at: mergeRequestEvents.createdAt, actor: person })
    .from(mergeRequestEvents)
    .leftJoin(users, eq(users.id, mergeRequestEvents.actorId))
    .where(eq(mergeRequestEvents.mrId, mrId))
    .orderBy(mergeRequestEvents.createdAt)
    .limit(500);
}

/** Closes or reopens; reopening needs the source branch and no other open MR for the same pair. */
export async function setMergeRequestState(db: Db, repo: RepoWithOrg, dir: string, mr: MergeRequest, user: User, state: "open" | "closed") {
  if (mr.state === "merged") throw new MrStateError("This merge request is merged: it cannot be closed or reopened");
  if (mr.state === state) return mr;
  if (state === "open") {
    const head = await branchHead(dir, mr.sourceBranch);
    if (!head) throw new MrStateError(`The source branch ${mr.sourceBranch} no longer exists: push it again to reopen`);
    if (!(await branchHead(dir, mr.targetBranch))) throw new MrStateError(`The target branch ${mr.targetBranch} no longer exists`);
  }
  const updated = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(mergeRequests)
      .set({ state, closedAt: state === "closed" ? new Date() : null, autoMerge: null, mergeability: "checking", updatedAt: new Date() })
      .where(and(eq(mergeRequests.id, mr.id), eq(mergeRequests.state, mr.state)))
      .returning();
    if (!row) throw new MrStateError("The merge request changed meanwhile: reload the page");
    await recordEvent(tx, mr.id, user.id, state === "closed" ? "closed" : "reopened");
    if (state === "open") await queueRefresh(tx, repo.id, [mr.id]);
    return row;
  });
  await emitMergeRequestEvent(db, repo, updated, state === "closed" ? "close" : "reopen", user);
  return updated;
}

export async function updateMergeRequest(db: Db, repo: RepoWithOrg, mr: MergeRequest, user: User, input: { title: string; description: string }) {
  const title = input.title.trim();
  if (!title) throw new MrInputError("title", "Give the merge request a title");
  const [row] = await db
    .update(mergeRequests)
    .set({ title, description: input.description, updatedAt: new Date() })
    .where(eq(mergeRequests.id, mr.id))
    .returning();
  await recordEvent(db, mr.id, user.id, "edited");
  await emitMergeRequestEvent(db, repo, row, "update", user);
  return row;
}

/** Open merge requests of a repository whose source or target is one of `branches`. */
export async function openMergeRequestsTouching(db: DbOrTx, repoId: string, branches: string[]) {
  if (!branches.length) return [];
  return db
    .select()
    .from(mergeRequests)
    .where(
      and(
        eq(mergeRequests.repoId, repoId),
        eq(mergeRequests.state, "open"),
        or(inArray(mergeRequests.sourceBranch, branches), inArray(mergeRequests.targetBranch, branches)),
      ),
    );
}

/**
 * After refs of a repository moved (a push, a server-side merge): open merge requests on
 * those branches show "checking" at once and are recomputed by the mr-refresh job.
 */
export async function afterRefsMoved(db: Db, repoId: string, refs: string[]) {
  const branches = refs.filter((r) => r.startsWith("refs/heads/")).map((r) => r.slice("refs/heads/".length));
  const touched = await openMergeRequestsTouching(db, repoId, branches);
  if (!touched.length) return 0;
  await db.transaction(async (tx) => {
    await tx
      .update(mergeRequests)
      .set({ mergeability: "checking" })
      .where(
        inArray(
          mergeRequests.id,
          touched.map((m) => m.id),
        ),
      );
    await queueRefresh(
      tx,
      repoId,
      touched.map((m) => m.id),
    );
  });
  return touched.length;
}

/** Replaces the reviewers (org members only); newly asked reviewers are notified. */
export async function setReviewers(db: Db, repo: RepoWithOrg, mr: MergeRequest, user: User, usernames: string[]) {
  const names = [...new Set(usernames.map((r) => r.trim().toLowerCase()).filter(Boolean))];
  const found =
    names.length ?
      await db
        .select({ id: users.id, username: users.username })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.orgId, repo.orgId), inArray(users.username, names)))
    : [];
  const unknown = names.filter((n) => !found.some((r) => r.username === n));
  if (unknown.length) throw new MrInputError("reviewers", `Not members of ${repo.orgSlug}: ${unknown.join(", ")}`);
  await db.transaction(async (tx) => {
    const before = await tx.select({ userId: mergeRequestReviewers.userId }).from(mergeRequestReviewers).where(eq(mergeRequestReviewers.mrId, mr.id));
    await tx.delete(mergeRequestReviewers).where(eq(mergeRequestReviewers.mrId, mr.id));
    if (found.length) await tx.insert(mergeRequestReviewers).values(found.map((r) => ({ mrId: mr.id, userId: r.id })));
    const added = found.filter((r) => !before.some((b) => b.userId === r.id) && r.id !== user.id);
    await recordEvent(tx, mr.id, user.id, "reviewers", { reviewers: found.map((r) => r.username) });
    if (added.length)
      await notify(tx, {
        kind: "mr.review_requested",
        title: `${user.displayName || user.username} asks you to review !${mr.number}: ${mr.title}`,
        body: `${repo.orgSlug}/${repo.name}: ${mr.sourceBranch} → ${mr.targetBranch}`,
        link: mrPath(repo, mr.number),
        orgId: repo.orgId,
        userIds: added.map((r) => r.id),
      });
  });
}

export async function setAssignee(db: Db, repo: RepoWithOrg, mr: MergeRequest, user: User, username: string | null) {
  const assignee = username?.trim() ? await memberNamed(db, repo, username, "assignee") : null;
  await db
    .update(mergeRequests)
    .set({ assigneeId: assignee?.id ?? null, updatedAt: new Date() })
    .where(eq(mergeRequests.id, mr.id));
  await recordEvent(db, mr.id, user.id, "assigned", { assignee: assignee?.username ?? null });
}
