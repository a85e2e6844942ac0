import PgBoss from "pg-boss";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { testDatabase } from "@/test/support/db";
import { waitFor } from "@/test/support/runner";
import { handlers, schedules } from "@/workers/handlers";
import { BOSS_SCHEMA, defineQueue, every, getBoss, JobPayloadError, on, queues, sendJob, stopBoss, type JobData } from "./index";
import { enqueueWith } from "./transactional";

const db = testDatabase();

const sample = defineQueue(
  "test-sample",
  z.object({ repoId: z.guid(), branches: z.array(z.string()).default([]), attempts: z.number().int().min(1).default(1) }),
);
const received: JobData<typeof sample>[] = [];
let worker: PgBoss;

beforeAll(async () => {
  const boss = await getBoss();
  await boss.createQueue(sample.name);
  worker = new PgBoss({ connectionString: process.env.DATABASE_URL!, schema: BOSS_SCHEMA, max: 2, schedule: false });
  worker.on("error", () => {});
  await worker.start();
  const { handle } = on(sample, async (data) => {
    // typed: no casts, no String(data.x)
    received.push({ repoId: data.repoId, branches: data.branches, attempts: data.attempts });
  });
  await worker.work(sample.name, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
    for (const job of jobs) await handle(job.data);
  });
});

afterAll(async () => {
  await worker?.stop({ graceful: false, wait: true });
  await stopBoss();
});

const REPO = "6f1c1a52-1f5e-4a43-9b8e-7f3e0f5b7a10";
const stored = async () => (await db().execute<{ n: number }>(sql`select count(*)::int as n from pgboss.job where name = ${sample.name}`))[0].n;
const arrived = (repoId: string) => waitFor(`the ${repoId} job to be handled`, async () => received.find((r) => r.repoId === repoId) ?? null, 10_000);

describe("defineQueue", () => {
  it("sends a typed payload through pg-boss and hands the handler the parsed data (defaults filled)", async () => {
    await sendJob(sample, { repoId: REPO, branches: ["develop"] });
    expect(await arrived(REPO)).toEqual({ repoId: REPO, branches: ["develop"], attempts: 1 });
  });

  it("refuses a bad payload at send time: nothing reaches the queue", async () => {
    const before = await stored();
    // @ts-expect-error repoId must be a string: the type checker refuses it before zod does
    await expect(sendJob(sample, { repoId: 42 })).rejects.toThrow(JobPayloadError);
    await expect(sendJob(sample, { repoId: "not-a-uuid" })).rejects.toThrow(/^test-sample job payload: repoId: /);
    await expect(enqueueWith(db(), sample, [{ repoId: REPO }, { repoId: REPO, attempts: 0 }])).rejects.toThrow(/^test-sample job payload: attempts: /);
    expect(await stored()).toBe(before);
  });

  it("enqueues inside a transaction: a rollback takes the job with it, a commit delivers it parsed", async () => {
    const rolledBack = "0b7e6c1e-2d1f-4c54-8f4e-3a2f1b0c9d8e";
    const committed = "9d0a4f6b-5c3e-4e2a-b1d7-8c6f5e4d3c2b";
    await db()
      .transaction(async (tx) => {
        await enqueueWith(tx, sample, [{ repoId: rolledBack }]);
        throw new Error("roll back");
      })
      .catch(() => {});
    await db().transaction((tx) => enqueueWith(tx, sample, [{ repoId: committed, attempts: 3 }]));
    expect(await arrived(committed)).toEqual({ repoId: committed, branches: [], attempts: 3 });
    expect(received.find((r) => r.repoId === rolledBack)).toBeUndefined();
  });

  it("a handler refuses a stored payload that does not fit its queue", async () => {
    const { handle } = on(sample, async () => "ran");
    await expect(handle({ branches: "develop" })).rejects.toThrow(/^test-sample job payload: repoId: /);
  });

  it("schedules check their payloads too, and every declared queue has exactly one handler", () => {
    // @ts-expect-error git-mirror-sync needs its upstream
    expect(() => every(queues.gitMirrorSync, "* * * * *")).toThrow(JobPayloadError);
    expect(every(queues.backupRun, "0 2 * * *")).toMatchObject({ data: { trigger: "schedule" } });
    expect(schedules().every((s) => Object.values(queues).includes(s.queue as never))).toBe(true);

    const declared = Object.values(queues)
      .map((q) => q.name)
      .sort();
    expect(handlers.map((h) => h.queue.name).sort()).toEqual(declared);
  });
});
