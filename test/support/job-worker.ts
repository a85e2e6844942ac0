import PgBoss from "pg-boss";
import { BOSS_SCHEMA, createQueues, type QueueName } from "@/server/jobs";
import { handlers } from "@/workers/handlers";

/**
 * Real pg-boss workers for some queues, with the production handlers (workers/handlers.ts),
 * against the test file's database. Polls every 0.5 s.
 */
export async function startJobWorker(names: QueueName[]): Promise<{ stop: () => Promise<void> }> {
  const boss = new PgBoss({ connectionString: process.env.DATABASE_URL!, schema: BOSS_SCHEMA, max: 3, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  for (const name of names) {
    const handler = handlers[name];
    if (!handler) throw new Error(`no handler for ${name}`);
    await createQueues(boss, [name]);
    await boss.work(name, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
      for (const job of jobs) await handler(job.data as Record<string, unknown>);
    });
  }
  return { stop: () => boss.stop({ graceful: false, wait: true }) };
}
