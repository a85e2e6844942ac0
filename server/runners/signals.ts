import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";

/**
 * Wake-ups between processes: PostgreSQL NOTIFY from application code (inside the
 * transaction that made the change, so it fires on commit) and one LISTEN connection per
 * process fanning out to in-memory waiters.
 */
const QUEUE = "rookery_build_queue";
const LOG = "rookery_build_log";

export async function notifyQueue(tx: DbOrTx) {
  await tx.execute(sql`select pg_notify(${QUEUE}, '')`);
}

export async function notifyLog(tx: DbOrTx, jobId: string) {
  await tx.execute(sql`select pg_notify(${LOG}, ${jobId})`);
}

type Hub = { ready: Promise<void>; queueGeneration: number; queueWaiters: Set<() => void>; logWaiters: Map<string, Set<() => void>> };
const hubs = new WeakMap<object, Hub>();

function hub(db: Db): Hub {
  const h = hubs.get(db.$sql);
  if (h) return h;
  const created: Hub = { ready: Promise.resolve(), queueGeneration: 0, queueWaiters: new Set(), logWaiters: new Map() };
  created.ready = Promise.all([
    db.$sql.listen(QUEUE, () => {
      created.queueGeneration++;
      for (const w of [...created.queueWaiters]) w();
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
export async function waitForQueue(db: Db, ms: number, signal?: AbortSignal, since?: number) {
  const h = hub(db);
  await h.ready.catch(() => {});
  if (since !== undefined && h.queueGeneration !== since) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      h.queueWaiters.delete(done);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    h.queueWaiters.add(done);
    signal?.addEventListener("abort", done);
  });
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
