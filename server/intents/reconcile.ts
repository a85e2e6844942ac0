import { and, eq, isNull, lt } from "drizzle-orm";
import { queues, type JobData } from "@/server/jobs";
import type { Db } from "@/db/client";
import { intents } from "@/db/schema";
import { repoDir } from "@/server/git/paths";
import { getRepoById } from "@/server/git/repos";
import { markContainedMerged, mergeOperation } from "@/server/mergerequests/merge";
import { releaseFinishOperation } from "@/server/releases";
import { pushOperation } from "@/server/git/events";
import { claimAfterWork, settle, type Intent, type Operation } from "./index";

/** Every operation that records intents, by kind. */
const operations = new Map<string, Operation>([mergeOperation, releaseFinishOperation, pushOperation].map((op) => [op.kind, op]));

function operationOf(intent: Intent) {
  const op = operations.get(intent.kind);
  if (!op) throw new Error(`no operation registered for intents of kind ${intent.kind}`);
  return op;
}

/** Runs a done intent's after-work unless someone already claimed it. */
export async function runAfterWork(db: Db, intentId: string) {
  if (!(await claimAfterWork(db, intentId))) return { ran: false };
  const [intent] = await db.select().from(intents).where(eq(intents.id, intentId));
  await operationOf(intent).afterWork(db, intent);
  return { ran: true };
}

/** The intent-after-work job: the net under a process that died between completion and after-work. */
export async function afterWorkJob(db: Db, data: JobData<typeof queues.intentAfterWork>) {
  return runAfterWork(db, data.intentId);
}

/**
 * Finishes or rolls back every pending intent (completed when its primary ref reached the
 * new value, rolled back otherwise), runs the after-work completions left behind, then
 * marks merged the open MRs whose target contains their head. At start-up and every minute.
 */
export async function reconcileIntents(db: Db) {
  const counts = { completed: 0, rolledBack: 0, busy: 0, afterWork: 0, markedMerged: 0 };
  const pending = await db.select().from(intents).where(eq(intents.state, "pending")).orderBy(intents.createdAt);
  for (const intent of pending) {
    const repo = await getRepoById(db, intent.repoId);
    if (!repo) continue;
    const op = operationOf(intent);
    if (op.settleAfterMs && intent.createdAt.getTime() > Date.now() - op.settleAfterMs) {
      counts.busy++;
      continue;
    }
    const result = await settle(db, repoDir(repo.orgSlug, repo.name), intent.id, op);
    if (result === "completed") {
      counts.completed++;
      if ((await runAfterWork(db, intent.id)).ran) counts.afterWork++;
    } else if (result === "rolled_back") counts.rolledBack++;
    else counts.busy++;
  }
  // Completed by a process that died before its after-work (the queued job is the usual net).
  const stale = await db
    .select({ id: intents.id })
    .from(intents)
    .where(and(eq(intents.state, "done"), isNull(intents.afterWorkAt), lt(intents.finishedAt, new Date(Date.now() - 60_000))));
  for (const { id } of stale) if ((await runAfterWork(db, id)).ran) counts.afterWork++;
  counts.markedMerged = await markContainedMerged(db);
  return counts;
}
