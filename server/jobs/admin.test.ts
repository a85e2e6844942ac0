import { afterAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { getBoss, stopBoss } from "./index";
import { jobQueues, jobStateCounts, listJobs, retryJob } from "./admin";

const db = testDatabase();
afterAll(() => stopBoss());

const queue = "admin-test";

/** Sends a job and drives it through pg-boss to the failed state, as a worker would. */
async function failedJob(queue: string, message: string) {
  const boss = await getBoss();
  await boss.createQueue(queue);
  const id = (await boss.send(queue, { n: message }, { retryLimit: 0 }))!;
  const [fetched] = await boss.fetch(queue, { batchSize: 1 });
  expect(fetched.id).toBe(id);
  await boss.fail(queue, id, new Error(message));
  return id;
}

describe("background jobs admin", () => {
  it("returns nothing before pg-boss has created its tables", async () => {
    expect(await listJobs(db(), { limit: 10 })).toEqual({ items: [], nextCursor: null });
    expect(await jobQueues(db())).toEqual([]);
    expect((await jobStateCounts(db())).failed).toBe(0);
  });

  it("lists jobs by queue and state with their times and the error of failed ones", async () => {
    const boss = await getBoss();
    const failed = await failedJob(queue, "disk on fire");
    const waiting = await boss.send(queue, { n: "waiting" });

    expect(await jobQueues(db())).toContain(queue);
    const all = await listJobs(db(), { queue, limit: 10 });
    expect(all.items.map((j) => j.id)).toEqual([waiting, failed]);

    const onlyFailed = await listJobs(db(), { queue, state: "failed", limit: 10 });
    expect(onlyFailed.items).toHaveLength(1);
    const job = onlyFailed.items[0];
    expect(job).toMatchObject({ id: failed, queue, state: "failed", data: { n: "disk on fire" }, retryCount: 0, retryLimit: 0 });
    expect(job.output).toMatchObject({ message: "disk on fire" });
    expect(job.createdOn).toBeInstanceOf(Date);
    expect(Math.abs(job.createdOn.getTime() - Date.now())).toBeLessThan(60_000);
    expect(job.startedOn).toBeInstanceOf(Date);
    expect(job.completedOn).toBeInstanceOf(Date);

    const counts = await jobStateCounts(db(), queue);
    expect(counts).toMatchObject({ created: 1, failed: 1, active: 0 });
    expect((await listJobs(db(), { queue: "no-such-queue", limit: 10 })).items).toEqual([]);
    expect((await listJobs(db(), { queue, archived: true, limit: 10 })).items).toEqual([]);
  });

  it("pages with a cursor without skipping or repeating jobs", async () => {
    const boss = await getBoss();
    const q = "admin-test-paging";
    await boss.createQueue(q);
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await boss.send(q, { i }));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listJobs(db(), { queue: q, cursor, limit: 3 });
      seen.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it("retries a failed job through pg-boss so a worker picks it up again", async () => {
    const boss = await getBoss();
    const q = "admin-test-retry";
    const id = await failedJob(q, "flaky network");
    expect(await retryJob(db(), id)).toEqual({ status: "retried", queue: q });

    const [again] = (await listJobs(db(), { queue: q, state: "retry", limit: 10 })).items;
    expect(again).toMatchObject({ id, state: "retry", retryLimit: 1 });
    const [fetched] = await boss.fetch(q, { batchSize: 1 });
    expect(fetched.id).toBe(id);
    await boss.complete(q, id);
    expect((await listJobs(db(), { queue: q, state: "completed", limit: 10 })).items.map((j) => j.id)).toEqual([id]);
    expect(await retryJob(db(), id)).toEqual({ status: "not-failed", state: "completed" });
  });

  it("refuses to retry jobs that have not failed or do not exist", async () => {
    const boss = await getBoss();
    const id = (await boss.send(queue, { n: "fresh" }))!;
    expect(await retryJob(db(), id)).toEqual({ status: "not-failed", state: "created" });
    expect(await retryJob(db(), "00000000-0000-4000-8000-000000000000")).toEqual({ status: "not-found" });
  });
});
