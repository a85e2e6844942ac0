import { and, eq, inArray, isNotNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { commitStatuses, mergeRequests } from "@/db/schema";
import { commitExists } from "@/server/git/plumbing/merge";
import type { RepoWithOrg } from "@/server/git/repos";
import { queueRefresh } from "./index";
import { NotFoundError } from "@/server/errors";

/**
 * Commit statuses as CI and builds report them: the latest state per (sha, context).
 * A status that completes the required set of an auto-merging MR triggers its merge
 * (through the mr-refresh job).
 */

export type StatusState = "pending" | "success" | "failed";
export type CommitStatus = typeof commitStatuses.$inferSelect;
export type StatusInput = { state: StatusState; context: string; description: string; targetUrl: string | null };

export class UnknownCommitError extends NotFoundError {}

export async function setCommitStatus(db: DbOrTx, repo: RepoWithOrg, dir: string, sha: string, input: StatusInput, creatorId: string | null) {
  if (!(await commitExists(dir, sha))) throw new UnknownCommitError(`No commit ${sha} in ${repo.orgSlug}/${repo.name}`);
  const now = new Date();
  const [row] = await db
    .insert(commitStatuses)
    .values({ repoId: repo.id, sha, ...input, creatorId, updatedAt: now })
    .onConflictDoUpdate({
      target: [commitStatuses.repoId, commitStatuses.sha, commitStatuses.context],
      set: { state: input.state, description: input.description, targetUrl: input.targetUrl, creatorId, updatedAt: now },
    })
    .returning();
  if (input.state === "success") {
    const waiting = await db
      .select({ id: mergeRequests.id })
      .from(mergeRequests)
      .where(and(eq(mergeRequests.repoId, repo.id), eq(mergeRequests.state, "open"), eq(mergeRequests.headSha, sha), isNotNull(mergeRequests.autoMerge)));
    await queueRefresh(
      db,
      repo.id,
      waiting.map((w) => w.id),
    );
  }
  return row;
}

/** Latest statuses of these commits, by sha, contexts sorted. */
export async function statusesOf(db: DbOrTx, repoId: string, shas: string[]): Promise<Map<string, CommitStatus[]>> {
  const out = new Map<string, CommitStatus[]>();
  if (!shas.length) return out;
  const rows = await db
    .select()
    .from(commitStatuses)
    .where(and(eq(commitStatuses.repoId, repoId), inArray(commitStatuses.sha, [...new Set(shas)])))
    .orderBy(commitStatuses.context)
    .limit(5000);
  for (const r of rows) out.set(r.sha, [...(out.get(r.sha) ?? []), r]);
  return out;
}

/** One word for a set of statuses: failed beats pending beats success. */
export function overallState(statuses: { state: StatusState }[]): StatusState | null {
  if (!statuses.length) return null;
  if (statuses.some((s) => s.state === "failed")) return "failed";
  if (statuses.some((s) => s.state === "pending")) return "pending";
  return "success";
}
