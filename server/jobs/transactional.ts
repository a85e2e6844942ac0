import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { DEFAULT_RETRY, getBoss } from "./index";
import { parseJobData, type JobInput, type Queue } from "./queues";

/**
 * pg-boss runs its SQL through this adapter, so jobs are inserted on the caller's
 * connection: inside a transaction they commit (or vanish) together with the change
 * that caused them.
 */
export function bossExecutor(db: DbOrTx) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const query = sql.empty();
      text.split(/\$(\d+)/).forEach((part, i) => {
        query.append(i % 2 === 1 ? sql`${values[Number(part) - 1] ?? null}` : sql.raw(part));
      });
      const rows = await db.execute(query);
      return { rows: [...rows] as Record<string, unknown>[] };
    },
  };
}

export type RetryOptions = { retryLimit?: number; retryDelay?: number; retryBackoff?: boolean; expireInSeconds?: number; startAfter?: Date };

/** Enqueues one job per payload through `db` (a transaction or the pool); payloads are checked like `sendJob`'s. */
export async function enqueueWith<Q extends Queue>(db: DbOrTx, queue: Q, payloads: JobInput<Q>[], options: RetryOptions = {}) {
  if (payloads.length === 0) return;
  const jobs = payloads.map((data) => ({ name: queue.name, data: parseJobData(queue, data) as object, ...DEFAULT_RETRY, ...options }));
  const boss = await getBoss();
  await boss.insert(jobs, { db: bossExecutor(db) });
}
