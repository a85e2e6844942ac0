import type { DbOrTx } from "@/db/client";
import { commitsBetween } from "@/server/git/plumbing/browse";
import { diffCommits } from "@/server/git/plumbing/diff";
import { branchHead } from "@/server/git/plumbing/merge";
import type { MergeRequest } from "./index";
import { listThreads } from "./review";

/** Diff lines rendered with the Changes tab itself; later files load when opened. */
export const EAGER_LINES = 3000;

/**
 * The Changes tab's data: the diff from the merge base to the source head, line threads,
 * and which files are deferred (large ones, and every file past the first EAGER_LINES
 * lines) so the first paint stays small however big the merge request is.
 */
export async function changesOf(db: DbOrTx, dir: string, mr: MergeRequest) {
  const base = mr.state === "merged" ? mr.baseSha : ((await branchHead(dir, mr.targetBranch)) ?? mr.baseSha);
  if (!base) return { from: null, mergeBase: null, diff: null, threads: [] };
  const between = await commitsBetween(dir, base, mr.headSha, 1);
  const from = between.mergeBase ?? base;
  const [diff, threads] = await Promise.all([diffCommits(dir, from, mr.headSha), listThreads(db, mr.id)]);
  let budget = EAGER_LINES;
  const files = diff.files.map((f) => {
    const lines = f.hunks.reduce((n, h) => n + h.lines.length, 0);
    const deferred = lines > 0 && (f.collapsed || budget < lines);
    if (!deferred) budget -= lines;
    return deferred ? { ...f, hunks: [], deferred: true } : { ...f, deferred: false };
  });
  return { from, mergeBase: between.mergeBase, diff: { ...diff, files }, threads: threads.filter((t) => t.path) };
}
