import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";

/**
 * Wake-ups between processes: PostgreSQL NOTIFY from application code (inside the
 * transaction that made the change, so it fires on commit) and one LISTEN connection per
 * process fanning out to in-memory waiters.
 */
const QUEUE = "rookery_build_queue";
const LOG = "rookery_build_log";

/** `count`: how many jobs became ready, so that many waiting runners are woken (not all of them). */
export async function notifyQueue(tx: DbOrTx, count = 1) {
  await tx.execute(sql`select pg_notify(${QUEUE}, ${String(count)})`);
}

export async function notifyLog(tx: DbOrTx, jobId: string) {
  await tx.execute(sql`select pg_notify(${LOG}, ${jobId})`);
}

/** How a wait ended; `hops` is how many more waiters a failed claim may hand the wake-up to. */
export type QueueWake = { reason: "notified"; hops: number } | { reason: "timeout" | "changed" };
type Waiter = (wake: QueueWake) => void;
type Hub = { ready: Promise<void>; queueGeneration: number; queueWaiters: Set<Waiter>; logWaiters: Map<string, Set<() => void>> };
const hubs = new WeakMap<object, Hub>();

function hub(db: Db): Hub {
  const h = hubs.get(db.$sql);
  if (h) return h;
  const created: Hub = { ready: Promise.resolve(), queueGeneration: 0, queueWaiters: new Set(), logWaiters: new Map() };
  created.ready = Promise.all([
    db.$sql.listen(QUEUE, (payload) => {
      created.queueGeneration++;
      // the longest-waiting runners first; a woken runner that cannot take the job passes it on
      const hops = created.queueWaiters.size;
      const count = Math.max(1, Number(payload) || 1);
      for (const w of [...created.queueWaiters].slice(0, count)) w({ reason: "notified", hops });
    }),
    db.$sql.listen(LOG, (jobId) => {
      for (const w of [...(created.logWaiters.get(jobId) ?? [])]) w();
    }),
  ]).then(
    () => undefined,
    (e) => {
      hubs.delete(db.$sql);
      throw e;
    },
  );
  hubs.set(db.$sql, created);
  return created;
}

/** A counter of queue notifications seen by this process; pass it to waitForQueue. */
export async function queueGeneration(db: Db) {
  const h = hub(db);
  await h.ready.catch(() => {});
  return h.queueGeneration;
}

/**
 * Resolves on the next queue notification, after `ms`, or when the signal aborts — at once
 * if a notification came since `since` (a job queued while the caller was looking).
 */
export async function waitForQueue(db: Db, ms: number, signal?: AbortSignal, since?: number): Promise<QueueWake> {
  const h = hub(db);
  await h.ready.catch(() => {});
  if (since !== undefined && h.queueGeneration !== since) return { reason: "changed" };
  return new Promise<QueueWake>((resolve) => {
    const done: Waiter = (wake) => {
      clearTimeout(timer);
      h.queueWaiters.delete(done);
      signal?.removeEventListener("abort", onAbort);
      resolve(wake);
    };
    const onAbort = () => done({ reason: "timeout" });
    const timer = setTimeout(onAbort, ms);
    h.queueWaiters.add(done);
    signal?.addEventListener("abort", onAbort);
  });
}

/** A woken runner found nothing it may take: wake the next waiting one instead. */
export function passQueueWake(db: Db, hops: number) {
  const next = hub(db).queueWaiters.values().next();
  if (hops > 0 && !next.done) next.value({ reason: "notified", hops });
}

/** Calls `fn` whenever a log chunk of this job is stored; returns the unsubscribe function. */
export async function onLog(db: Db, jobId: string, fn: () => void) {
  const h = hub(db);
  await h.ready;
  let set = h.logWaiters.get(jobId);
  if (!set) h.logWaiters.set(jobId, (set = new Set()));
  set.add(fn);
  return () => {
    set.delete(fn);
    if (set.size === 0) h.logWaiters.delete(jobId);
  };
}
