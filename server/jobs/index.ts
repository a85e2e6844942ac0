import PgBoss from "pg-boss";
import { parseJobData, queues, type JobInput, type Queue } from "./queues";

export { defineQueue, every, JobPayloadError, on, parseJobData, queues, type Handler, type JobData, type JobInput, type Queue, type Schedule } from "./queues";

export const BOSS_SCHEMA = "pgboss";

const globalForBoss = globalThis as unknown as { rookeryBoss?: Promise<PgBoss> };

/** A sending-only client (no maintenance, no cron): web processes and the CLI use this. */
export function getBoss(): Promise<PgBoss> {
  globalForBoss.rookeryBoss ??= (async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    const boss = new PgBoss({ connectionString: url, schema: BOSS_SCHEMA, supervise: false, schedule: false, max: 3 });
    boss.on("error", (e) => console.error("pg-boss:", e.message));
    await boss.start();
    await createQueues(boss);
    return boss;
  })();
  return globalForBoss.rookeryBoss;
}

/** Creates the given queues (all by default) with their options; existing ones are left as they are. */
export async function createQueues(boss: PgBoss, list: readonly Queue[] = Object.values(queues)) {
  for (const q of list) await boss.createQueue(q.name, { name: q.name, ...q.options });
}

export const DEFAULT_RETRY = { retryLimit: 3, retryDelay: 30, retryBackoff: true };

/**
 * Sends one job after checking its payload against the queue's schema (JobPayloadError when
 * it does not fit), through `boss` when given (the workers' own client), else the sending client.
 */
export async function sendJob<Q extends Queue>(queue: Q, data: JobInput<Q>, options: PgBoss.SendOptions = {}, boss?: PgBoss) {
  const payload = parseJobData(queue, data) as object;
  return (boss ?? (await getBoss())).send(queue.name, payload, { ...DEFAULT_RETRY, ...options });
}

export async function stopBoss() {
  const boss = globalForBoss.rookeryBoss;
  globalForBoss.rookeryBoss = undefined;
  if (boss) await (await boss).stop({ graceful: false, wait: true }).catch(() => {});
}
