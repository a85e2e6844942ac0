import PgBoss from "pg-boss";
import { BOSS_SCHEMA, createQueues, type Queue } from "@/server/jobs";
import { handlerOf } from "@/workers/handlers";

/**
 * Real pg-boss workers for some queues, with the production handlers (workers/handlers.ts),
 * against the test file's database. Polls every 0.5 s.
 */
export async function startJobWorker(queues: Queue[]): Promise<{ stop: () => Promise<void> }> {
  const boss = new PgBoss({ connectionString: process.env.DATABASE_URL!, schema: BOSS_SCHEMA, max: 3, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  for (const queue of queues) {
    const { handle } = handlerOf(queue);
    await createQueues(boss, [queue]);
    await boss.work(queue.name, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
      for (const job of jobs) await handle(job.data);
    });
  }
  return { stop: () => boss.stop({ graceful: false, wait: true }) };
}
