import os from "node:os";
import { randomUUID } from "node:crypto";
import PgBoss from "pg-boss";
import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { workerHeartbeats } from "@/db/schema";
import { BOSS_SCHEMA, createQueues, queues, sendJob } from "@/server/jobs";
import { handlers, schedules } from "./handlers";
import { getConfig } from "@/server/config";

export type Workers = { stop: () => Promise<void> };

/** Starts pg-boss with maintenance and cron, registers every handler, and heartbeats. */
export async function startWorkers(log: (line: string) => void = console.log): Promise<Workers> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  // Failed jobs stay retryable from the admin area for a week (pg-boss archives them after 12 h by default).
  const boss = new PgBoss({ connectionString: url, schema: BOSS_SCHEMA, max: 5, archiveFailedAfterSeconds: 7 * 24 * 3600 });
  boss.on("error", (e) => log(`pg-boss: ${e.message}`));
  await boss.start();
  await createQueues(boss);
  for (const { queue, handle } of handlers) {
    await boss.work(queue.name, { pollingIntervalSeconds: 1 }, async (jobs) => {
      for (const job of jobs) await handle(job.data);
    });
  }
  for (const s of schedules()) await boss.schedule(s.queue.name, s.cron, s.data, { tz: "UTC" });
  // Orgs that predate git hosting get their default repositories.
  await sendJob(queues.gitProvision, {}, { singletonKey: "startup", singletonSeconds: 60 }, boss);
  // Operations a crash left half-done are settled before anyone looks (docs/intents.md).
  await sendJob(queues.intentsReconcile, {}, { singletonKey: "startup", singletonSeconds: 60 }, boss);
  // With a directory, people and their organizations are there from the start, not after the first scheduled sync.
  if (getConfig().ldap) await sendJob(queues.ldapSync, { trigger: "startup" }, { singletonKey: "startup", singletonSeconds: 60 }, boss);
  // A new instance fetches its portage tree now, not at the first scheduled sync (a no-op once development exists).
  if (getConfig().portageTree.upstream) await sendJob(queues.portageTreeSync, { trigger: "startup" }, { retryLimit: 0 }, boss);

  const id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const db = getDb();
  const beat = () =>
    db
      .insert(workerHeartbeats)
      .values({ id, host: os.hostname() })
      .onConflictDoUpdate({ target: workerHeartbeats.id, set: { seenAt: sql`now()` } })
      .catch((e) => log(`heartbeat failed: ${e.message}`));
  await beat();
  const timer = setInterval(beat, 30_000);
  timer.unref();
  log(`Workers started (${handlers.length} queues)`);

  return {
    async stop() {
      clearInterval(timer);
      await boss.stop({ graceful: true, timeout: 10_000 });
      await db
        .delete(workerHeartbeats)
        .where(sql`${workerHeartbeats.id} = ${id}`)
        .catch(() => {});
    },
  };
}
