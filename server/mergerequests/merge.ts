import { and, eq, isNull, notExists, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx, Tx } from "@/db/client";
import { intents, mergeRequestApprovals, mergeRequestComments, mergeRequests } from "@/db/schema";
import { recordAudit } from "@/server/audit";
import { runGit } from "@/server/git/plumbing/cli";
import { identityOf } from "@/server/git/plumbing/commit";
import { afterPush } from "@/server/git/events";
import { branchHead, branchHeads, casDeleteRef, commitsWithMessages, commitTree, countOnlyIn, isAncestor, mergeTree } from "@/server/git/plumbing/merge";
import { repoExists } from "@/server/git/materialize";
import { repoDir } from "@/server/git/paths";
import { carryOut, claimAfterWork, IntentBusyError, recordIntent, type Intent, type Operation } from "@/server/intents";
import { matchProtection, type RefUpdate } from "@/server/git/protection";
import { getRepoById, listProtections, type RepoWithOrg } from "@/server/git/repos";
import type { JobData, queues } from "@/server/jobs";
import { notify } from "@/server/notify";
import { finishReleaseIfAny } from "@/server/releases";
import { getUserById, type User } from "@/server/users";
import { assertMergeable, getMergeRequestById, mrPath, MrStateError, recordEvent, type MergeRequest } from "./index";
import { statusesOf, type CommitStatus } from "./statuses";
import { emitMergeRequestEvent } from "./webhooks";

export type MergeMethod = "merge" | "ff" | "squash";
type Protection = Awaited<ReturnType<typeof listProtections>>[number];

/** The rules of the target branch (its protection), or none. */
export async function rulesFor(db: DbOrTx, repoId: string, target: string): Promise<Protection | null> {
  return matchProtection(target, await listProtections(db, repoId)) as Protection | null;
}

export type MergeChecks = Awaited<ReturnType<typeof mergeChecks>>;

/** Signed-off-by: <author name> <author email>, as `git commit -s` writes it. */
function signedOffByAuthor(c: { authorName: string; authorEmail: string; body: string }) {
  const trailers = [...c.body.matchAll(/^Signed-off-by:\s*(.+?)\s*<([^>]+)>\s*$/gim)];
  return trailers.some((m) => m[1].trim() === c.authorName.trim() && m[2].trim().toLowerCase() === c.authorEmail.trim().toLowerCase());
}

/**
 * Everything that decides whether `mr` may be merged at `head` into `base`: the target's
 * merge rules (approvals, authors' own approvals, Signed-off-by, required statuses) and
 * conflicts. Each check explains itself.
 */
export async function mergeChecks(db: DbOrTx, dir: string, mr: MergeRequest, head: string, base: string) {
  const rules = await rulesFor(db, mr.repoId, mr.targetBranch);
  const approvalRows = await db.select().from(mergeRequestApprovals).where(eq(mergeRequestApprovals.mrId, mr.id));
  const valid = approvalRows.filter((a) => a.headSha === head && !(rules?.authorsCannotApprove && a.userId === mr.authorId));
  const required = rules?.requiredApprovals ?? 0;

  const commits = await commitsWithMessages(dir, base, head);
  const offending =
    rules?.requireSignoff ? commits.filter((c) => !signedOffByAuthor(c)).map((c) => ({ sha: c.sha, subject: c.subject, author: c.authorName })) : [];

  const unresolved =
    rules?.requireResolvedThreads ?
      (
        await db
          .select({ n: sql<number>`count(*)::int` })
          .from(mergeRequestComments)
          .where(and(eq(mergeRequestComments.mrId, mr.id), isNull(mergeRequestComments.threadId), eq(mergeRequestComments.resolved, false)))
      )[0].n
    : 0;

  const contexts = rules?.requiredContexts ?? [];
  const statuses = (await statusesOf(db, mr.repoId, [head])).get(head) ?? [];
  const byContext = new Map(statuses.map((s) => [s.context, s]));
  const notGreen = contexts.filter((c) => byContext.get(c)?.state !== "success");
  const failed = contexts.filter((c) => byContext.get(c)?.state === "failed");

  const tree = await mergeTree(dir, base, head);
  const behind = await countOnlyIn(dir, base, head);
  const approvals = { required, given: valid.length, ok: valid.length >= required };
  const signoff = { required: !!rules?.requireSignoff, offending, ok: offending.length === 0 };
  const checks = { required: contexts, statuses: statuses as CommitStatus[], notGreen, failed, ok: notGreen.length === 0 };
  const conflicts = tree.clean ? [] : tree.conflicts;
  const reasons: string[] = [];
  if (!approvals.ok) reasons.push(`${required} approval${required === 1 ? "" : "s"} required, ${valid.length} given`);
  if (!signoff.ok) reasons.push(`${offending.length} commit${offending.length === 1 ? "" : "s"} without a Signed-off-by trailer of the author`);
  if (!checks.ok) reasons.push(`required checks not green: ${notGreen.join(", ")}`);
  if (unresolved) reasons.push(`${unresolved} unresolved thread${unresolved === 1 ? "" : "s"}`);
  if (conflicts.length) reasons.push(`conflicts in ${conflicts.join(", ")}`);
  return {
    protected: !!rules,
    approvals,
    signoff,
    threads: { required: !!rules?.requireResolvedThreads, unresolved, ok: unresolved === 0 },
    checks,
    conflicts,
    behind,
    commits: commits.length,
    /** true when only the statuses are missing (auto-merge waits for them) */
    waitingForChecks: reasons.length === 1 && !checks.ok && failed.length === 0,
    ok: reasons.length === 0,
    reasons,
  };
}

function mergeMessage(repo: RepoWithOrg, mr: MergeRequest) {
  return `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'\n\n${mr.title}\n\nSee merge request ${repo.orgSlug}/${repo.name}!${mr.number}\n`;
}

async function squashMessage(dir: string, repo: RepoWithOrg, mr: MergeRequest, base: string, head: string) {
  const commits = await commitsWithMessages(dir, base, head);
  const trailers = [...new Set(commits.flatMap((c) => [...c.body.matchAll(/^Signed-off-by:.*$/gim)].map((m) => m[0].trim())))];
  const list = commits.map((c) => `* ${c.subject}`).join("\n");
  return `${mr.title}\n\n${list}\n\nSee merge request ${repo.orgSlug}/${repo.name}!${mr.number}\n${trailers.length ? `\n${trailers.join("\n")}\n` : ""}`;
}

/** Brings the row to the source branch's current head (a push the refresh job has not seen yet). */
async function syncHead(db: DbOrTx, mr: MergeRequest, head: string, actorId: string | null) {
  if (mr.headSha === head) return mr;
  const [row] = await db.update(mergeRequests).set({ headSha: head, updatedAt: new Date() }).where(eq(mergeRequests.id, mr.id)).returning();
  await recordEvent(db, mr.id, actorId, "pushed", { from: mr.headSha, to: head });
  return row;
}

export type MergeOptions = {
  method: MergeMethod;
  deleteSource: boolean;
  /** the source head the user saw; the merge is refused when the branch moved since */
  expectedHeadSha: string;
  /** set by auto-merge: recorded in the activity */
  auto?: boolean;
};

const MAX_ATTEMPTS = 5;

const mergeIntentData = z.object({
  method: z.enum(["merge", "ff", "squash"]),
  deleteSource: z.boolean(),
  userId: z.string().uuid(),
  /** the source head that was merged */
  head: z.string(),
  auto: z.boolean(),
});

/**
 * Merges a merge request on the server (the one merge path: the merge box, auto-merge and
 * other domains such as releases call it). Authorization (may this user merge into this
 * branch) is the caller's job; the target's merge rules are enforced here. The merge is an
 * intent (docs/intents.md): recorded first, then the target ref moves with a
 * compare-and-swap, then the MR is marked merged. When another merge moved the target in
 * between, the merge is recomputed on the new target head, never clobbering it.
 */
export async function mergeMergeRequest(db: Db, repo: RepoWithOrg, mrId: string, user: User, opts: MergeOptions) {
  assertMergeable(repo);
  const dir = repoDir(repo.orgSlug, repo.name);
  let done: Intent | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && !done; attempt++) {
    const { intent, number } = await db.transaction(async (tx) => {
      // One merge per MR at a time: the row lock while deciding, then the pending intent.
      const [locked] = await tx.select().from(mergeRequests).where(eq(mergeRequests.id, mrId)).for("update");
      if (!locked || locked.repoId !== repo.id) throw new MrStateError("No such merge request");
      if (locked.state !== "open")
        throw new MrStateError(locked.state === "merged" ? "This merge request is already merged" : "This merge request is closed: reopen it first");
      const head = await branchHead(dir, locked.sourceBranch);
      if (!head) throw new MrStateError(`The source branch ${locked.sourceBranch} no longer exists`);
      if (head !== opts.expectedHeadSha)
        throw new MrStateError(
          `The source branch ${locked.sourceBranch} moved to ${head.slice(0, 8)} since you looked: review the new commits and merge again`,
          {
            headSha: head,
          },
        );
      const mr = await syncHead(tx, locked, head, user.id);
      const base = await branchHead(dir, mr.targetBranch);
      if (!base) throw new MrStateError(`The target branch ${mr.targetBranch} no longer exists`);
      if (await isAncestor(dir, head, base)) throw new MrStateError(`${mr.targetBranch} already contains every commit of ${mr.sourceBranch}: nothing to merge`);
      const checks = await mergeChecks(tx, dir, mr, head, base);
      if (!checks.ok) throw new MrStateError(`Cannot merge yet: ${checks.reasons.join("; ")}`, { conflicts: checks.conflicts });
      let commit: string;
      if (opts.method === "ff") {
        if (!(await isAncestor(dir, base, head)))
          throw new MrStateError(
            `Cannot fast-forward: ${mr.targetBranch} has ${checks.behind} commit(s) that ${mr.sourceBranch} lacks. Rebase the source branch or merge with a merge commit.`,
          );
        commit = head;
      } else {
        const tree = await mergeTree(dir, base, head);
        if (!tree.clean) throw new MrStateError(`Cannot merge: conflicts in ${tree.conflicts.join(", ")}`, { conflicts: tree.conflicts });
        const me = identityOf(user);
        commit =
          opts.method === "merge" ?
            await commitTree(dir, tree.tree, [base, head], mergeMessage(repo, mr), me, me)
          : await commitTree(dir, tree.tree, [base], await squashMessage(dir, repo, mr, base, head), me, me);
      }
      const data: z.infer<typeof mergeIntentData> = { method: opts.method, deleteSource: opts.deleteSource, userId: user.id, head, auto: !!opts.auto };
      const intent = await recordIntent(tx, {
        kind: "merge",
        subjectId: mr.id,
        repoId: repo.id,
        updates: [{ ref: `refs/heads/${mr.targetBranch}`, oldSha: base, newSha: commit }],
        data,
      }).catch((e) => {
        throw e instanceof IntentBusyError ? new MrStateError("This merge request is being merged right now: look again in a minute") : e;
      });
      return { intent, number: mr.number };
    });
    // false: the target moved under us; go again on its new head.
    if (await carryOut(db, dir, intent, mergeOperation, `rookery: merge !${number} (${opts.method})`)) done = intent;
  }
  if (!done) throw new MrStateError(`The target branch keeps moving: try again in a moment`);
  const sourceDeleted = (await claimAfterWork(db, done.id)) ? (await mergeAfterWork(db, done)).sourceDeleted : false;
  return { mergeRequest: (await getMergeRequestById(db, mrId))!, commit: done.updates[0].newSha, sourceDeleted };
}

/** The completion of a merge intent: the MR merged (whatever its state now, git says so), its activity, the author told. */
async function completeMerge(tx: Tx, intent: Intent) {
  const data = mergeIntentData.parse(intent.data);
  const { oldSha: base, newSha: commit } = intent.updates[0];
  const [mr] = await tx.select().from(mergeRequests).where(eq(mergeRequests.id, intent.subjectId)).for("update");
  if (!mr || mr.state === "merged") return;
  const [repo, user] = await Promise.all([getRepoById(tx, mr.repoId), getUserById(tx, data.userId)]);
  await tx
    .update(mergeRequests)
    .set({
      state: "merged",
      mergedAt: new Date(),
      mergedById: user?.id ?? null,
      mergeCommitSha: commit,
      mergeMethod: data.method,
      autoMerge: null,
      headSha: data.head,
      baseSha: base,
      mergeability: "clean",
      conflictFiles: [],
      updatedAt: new Date(),
    })
    .where(eq(mergeRequests.id, mr.id));
  await recordEvent(tx, mr.id, user?.id ?? null, "merged", { method: data.method, commit, auto: data.auto });
  if (repo && mr.authorId && mr.authorId !== user?.id)
    await notify(tx, {
      kind: "mr.merged",
      title: `!${mr.number} was merged into ${mr.targetBranch}: ${mr.title}`,
      body: `${repo.orgSlug}/${repo.name}, merged by ${user ? user.displayName || user.username : "someone"}`,
      link: mrPath(repo, mr.number),
      orgId: repo.orgId,
      userIds: [mr.authorId],
    });
}

/**
 * A merge's after-work, once per merge (claimAfterWork): the source branch deleted when
 * asked, the target's push handling (webhooks, mirrors, other MRs), the merge webhook,
 * release finishing.
 */
async function mergeAfterWork(db: Db, intent: Intent) {
  const data = mergeIntentData.parse(intent.data);
  const { oldSha: base, newSha: commit } = intent.updates[0];
  const [mr, repo, user] = await Promise.all([getMergeRequestById(db, intent.subjectId), getRepoById(db, intent.repoId), getUserById(db, data.userId)]);
  if (!mr || !repo) return { sourceDeleted: false };
  const dir = repoDir(repo.orgSlug, repo.name);
  const updates: RefUpdate[] = [{ ref: `refs/heads/${mr.targetBranch}`, oldSha: base, newSha: commit }];
  let sourceDeleted = false;
  if (data.deleteSource) {
    const rules = await rulesFor(db, repo.id, mr.sourceBranch);
    if (!rules || rules.allowDeletion) {
      sourceDeleted = await casDeleteRef(dir, `refs/heads/${mr.sourceBranch}`, data.head);
      if (sourceDeleted) updates.push({ ref: `refs/heads/${mr.sourceBranch}`, oldSha: data.head, newSha: "0".repeat(40) });
    }
    await recordEvent(db, mr.id, user?.id ?? null, sourceDeleted ? "source_deleted" : "source_kept", { branch: mr.sourceBranch });
  }
  // The merge is a push to the target: webhooks, mirrors, other MRs' mergeability.
  await afterPush(repo, updates, user).catch((e) => console.error("after-merge handling failed:", e instanceof Error ? e.message : e));
  await emitMergeRequestEvent(db, repo, mr, "merge", user);
  // A release or hotfix merged into master: tag, merge back into develop, publish the notes.
  if (user)
    await finishReleaseIfAny(db, repo, dir, mr, commit, user).catch((e) => console.error("finishing the release failed:", e instanceof Error ? e.message : e));
  return { sourceDeleted };
}

export const mergeOperation: Operation = { kind: "merge", complete: completeMerge, afterWork: mergeAfterWork };

/**
 * Open merge requests whose target already contains their source head are merged, as
 * GitLab marks them (a merge whose completion was lost, or the source pushed into the
 * target by hand). Run by the reconciler after it settled the pending intents.
 */
export async function markContainedMerged(db: Db) {
  const open = await db
    .select({ id: mergeRequests.id, repoId: mergeRequests.repoId, sourceBranch: mergeRequests.sourceBranch, targetBranch: mergeRequests.targetBranch })
    .from(mergeRequests)
    // a merge in flight is its intent's business
    .where(
      and(
        eq(mergeRequests.state, "open"),
        notExists(
          db
            .select()
            .from(intents)
            .where(and(eq(intents.subjectId, mergeRequests.id), eq(intents.state, "pending"))),
        ),
      ),
    );
  const byTarget = new Map<string, typeof open>();
  for (const m of open) byTarget.set(`${m.repoId} ${m.targetBranch}`, [...(byTarget.get(`${m.repoId} ${m.targetBranch}`) ?? []), m]);
  let marked = 0;
  for (const mrs of byTarget.values()) {
    const repo = await getRepoById(db, mrs[0].repoId);
    if (!repo) continue;
    const dir = repoDir(repo.orgSlug, repo.name);
    if (!repoExists(dir)) continue;
    // every branch whose tip the target contains, in one git call per target
    const r = await runGit(["for-each-ref", "--format=%(objectname) %(refname:lstrip=2)", `--merged=refs/heads/${mrs[0].targetBranch}`, "refs/heads/"], {
      cwd: dir,
      allowFailure: true,
    });
    if (r.code !== 0) continue;
    const contained = new Map(
      r.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => [l.slice(41), l.slice(0, 40)] as const),
    );
    for (const m of mrs) {
      const head = contained.get(m.sourceBranch);
      if (!head) continue;
      await db.transaction(async (tx) => {
        const [row] = await tx
          .update(mergeRequests)
          .set({ state: "merged", mergedAt: new Date(), headSha: head, autoMerge: null, mergeability: "clean", conflictFiles: [], updatedAt: new Date() })
          .where(and(eq(mergeRequests.id, m.id), eq(mergeRequests.state, "open")))
          .returning();
        if (!row) return;
        await recordEvent(tx, m.id, null, "merged", { detected: true, target: mrs[0].targetBranch });
        marked++;
      });
    }
  }
  return marked;
}

/**
 * The mr-refresh job's work for one merge request: follow the source head (approvals
 * given on an older head go stale), recompute mergeability against the target, and
 * fire a pending auto-merge once everything is green.
 */
export async function refreshMergeRequest(db: Db, mrId: string, known?: { repo: RepoWithOrg; heads: Map<string, string> }) {
  const mr0 = await getMergeRequestById(db, mrId);
  if (!mr0 || mr0.state !== "open") return null;
  const repo = known?.repo.id === mr0.repoId ? known.repo : await getRepoById(db, mr0.repoId);
  if (!repo) return null;
  const dir = repoDir(repo.orgSlug, repo.name);
  const heads = known?.repo.id === mr0.repoId ? known.heads : null;
  const [head, base] =
    heads ?
      [heads.get(mr0.sourceBranch) ?? null, heads.get(mr0.targetBranch) ?? null]
    : await Promise.all([branchHead(dir, mr0.sourceBranch), branchHead(dir, mr0.targetBranch)]);
  if (!head || !base) {
    await db.update(mergeRequests).set({ mergeability: "conflicts", conflictFiles: [] }).where(eq(mergeRequests.id, mrId));
    return null;
  }
  const mr = await syncHead(db, mr0, head, null);
  if (mr.headSha !== mr0.headSha) await emitMergeRequestEvent(db, repo, mr, "update", null);
  const [tree, behind] = await Promise.all([mergeTree(dir, base, head), countOnlyIn(dir, base, head)]);
  const mergeability =
    !tree.clean ? "conflicts"
    : behind > 0 ? "behind"
    : "clean";
  await db
    .update(mergeRequests)
    .set({ mergeability, conflictFiles: tree.clean ? [] : tree.conflicts, behindBy: behind, baseSha: base })
    .where(eq(mergeRequests.id, mrId));

  const auto = mr.autoMerge;
  if (!auto) return mergeability;
  const cancel = async (why: string) => {
    await db.update(mergeRequests).set({ autoMerge: null }).where(eq(mergeRequests.id, mrId));
    await recordEvent(db, mrId, null, "auto_merge_canceled", { reason: why });
  };
  if (auto.headSha !== head) {
    await cancel("new commits were pushed");
    return mergeability;
  }
  const checks = await mergeChecks(db, dir, mr, head, base);
  if (!checks.ok) {
    if (!checks.waitingForChecks) await cancel(checks.reasons.join("; "));
    return mergeability;
  }
  const user = await getUserById(db, auto.userId);
  if (!user || user.disabledAt) {
    await cancel("the user who set it can no longer merge");
    return mergeability;
  }
  try {
    await mergeMergeRequest(db, repo, mrId, user, { method: auto.method, deleteSource: auto.deleteSource, expectedHeadSha: auto.headSha, auto: true });
    await recordAudit(db, {
      actor: { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin },
      action: "mergeRequests.autoMerge",
      orgId: repo.orgId,
      targetType: "merge_request",
      targetId: `${repo.orgSlug}/${repo.name}!${mr.number}`,
      outcome: "success",
      details: { method: auto.method },
    });
    return "merged";
  } catch (e) {
    if (e instanceof MrStateError) await cancel(e.message);
    else throw e;
    return mergeability;
  }
}

/** The job handler: refresh each listed merge request. */
export async function refreshJob(db: Db, data: JobData<typeof queues.mrRefresh>) {
  const ids = data.mrIds;
  // One look at the repository's branches for all of them (they share the repository).
  const repo = await getRepoById(db, data.repoId);
  const known = repo ? { repo, heads: await branchHeads(repoDir(repo.orgSlug, repo.name)) } : undefined;
  // A push to develop may touch every open MR: a few git processes at a time (2 cores are common).
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: Math.min(4, queue.length) }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) await refreshMergeRequest(db, id, known);
    }),
  );
  return { refreshed: ids.length };
}

/**
 * "Merge when checks pass": merges now when nothing else is missing, otherwise remembers
 * the choice for the source head the user saw; the refresh job merges once the last
 * required status turns green (and forgets it when new commits arrive).
 */
export async function setAutoMerge(db: Db, repo: RepoWithOrg, mr: MergeRequest, user: User, opts: Omit<MergeOptions, "auto">) {
  const dir = repoDir(repo.orgSlug, repo.name);
  if (mr.state !== "open") throw new MrStateError("Only open merge requests can be merged");
  const [head, base] = await Promise.all([branchHead(dir, mr.sourceBranch), branchHead(dir, mr.targetBranch)]);
  if (!head || !base) throw new MrStateError("The source or target branch no longer exists");
  if (head !== opts.expectedHeadSha)
    throw new MrStateError(`The source branch ${mr.sourceBranch} moved to ${head.slice(0, 8)} since you looked: review the new commits and try again`, {
      headSha: head,
    });
  const checks = await mergeChecks(db, dir, { ...mr, headSha: head }, head, base);
  if (checks.ok) return { merged: true as const, ...(await mergeMergeRequest(db, repo, mr.id, user, opts)) };
  if (!checks.waitingForChecks) throw new MrStateError(`Cannot merge yet: ${checks.reasons.join("; ")}`);
  await db
    .update(mergeRequests)
    .set({ autoMerge: { method: opts.method, deleteSource: opts.deleteSource, userId: user.id, headSha: head } })
    .where(and(eq(mergeRequests.id, mr.id), eq(mergeRequests.state, "open")));
  await recordEvent(db, mr.id, user.id, "auto_merge_set", { method: opts.method, waitingFor: checks.checks.notGreen });
  return { merged: false as const };
}

export async function cancelAutoMerge(db: Db, mr: MergeRequest, user: User) {
  if (!mr.autoMerge) return;
  await db.update(mergeRequests).set({ autoMerge: null }).where(eq(mergeRequests.id, mr.id));
  await recordEvent(db, mr.id, user.id, "auto_merge_canceled", { reason: "canceled by user" });
}
