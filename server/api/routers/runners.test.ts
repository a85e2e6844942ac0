import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { callerAs, trpcCode } from "@/test/support/trpc";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { appendLog, claimJob, finishJob } from "@/server/runners/queue";
import { getPipeline } from "@/server/runners/pipelines";
import { insertRunner, runnerFromToken } from "@/server/runners/registration";
import { rawJobLog, streamJobLog } from "@/server/runners/web";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-runners-ui-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir });
const as = callerAs(db);
let admin: User;
let dev: User;
let outsider: User;

beforeAll(async () => {
  admin = await createLocalUser(db(), { username: "boss", password: "Admin-password-1", isAdmin: true });
  dev = await createLocalUser(db(), { username: "dev", password: "Coder-password-1" });
  outsider = await createLocalUser(db(), { username: "out", password: "Stranger-pass-1" });
  const org = await createOrg(db(), { name: "acme", source: "local" });
  await addMember(db(), org.id, "dev", "developer");
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const yaml = `jobs:
  - name: build
    steps: ["echo hi"]
  - name: test
    needs: [build]
    steps: ["echo test"]
`;

describe("runners router", () => {
  it("keeps runners and registration tokens to admins and shows a token once", async () => {
    expect(await trpcCode(as(dev).runners.list())).toBe("FORBIDDEN");
    expect(await trpcCode(as(dev).runners.createRegistrationToken({ description: "x" }))).toBe("FORBIDDEN");
    const t = await as(admin).runners.createRegistrationToken({ description: "rack 3" });
    expect(t.token).toMatch(/^rkrt_/);
    const list = await as(admin).runners.list();
    expect(list.registrationTokens.map((r) => r.description)).toEqual(["rack 3"]);
    expect(JSON.stringify(list)).not.toContain(t.token);
  });

  it("runs a pipeline from YAML (admins), explains bad YAML and cycles, and shows org pipelines to members only", async () => {
    expect(await trpcCode(as(dev).runners.run({ name: "x", yaml }))).toBe("FORBIDDEN");
    await expect(as(admin).runners.run({ name: "bad", yaml: "jobs: [" })).rejects.toThrow(/Not valid YAML/);
    await expect(as(admin).runners.run({ name: "cyc", yaml: "- {name: a, needs: [b], steps: [x]}\n- {name: b, needs: [a], steps: [x]}" })).rejects.toThrow(
      /cycle: a → b → a/,
    );
    await expect(as(admin).runners.run({ name: "unk", yaml: "- {name: a, needs: [zz], steps: [x]}" })).rejects.toThrow(/unknown job "zz"/);

    const mine = await as(admin).runners.run({ name: "acme build", org: "acme", yaml });
    const global = await as(admin).runners.run({ name: "instance build", yaml });
    const p = await getPipeline(db(), mine.id);
    expect(p!.jobs.map((j) => [j.name, j.status])).toEqual([
      ["build", "queued"],
      ["test", "created"],
    ]);

    expect((await as(dev).runners.pipelines()).rows.map((r) => r.name)).toEqual(["acme build"]);
    expect((await as(outsider).runners.pipelines()).rows).toEqual([]);
    expect((await as(admin).runners.pipelines({ page: 1, org: "acme" })).rows.map((r) => r.name)).toEqual(["acme build"]);
    expect((await as(admin).runners.pipelines({ page: 1, source: "ui" })).total).toBe(2);
    expect((await as(admin).runners.pipelines({ page: 1, source: "tinderbox" })).total).toBe(0);
    expect((await as(admin).runners.pipelines({ page: 1, q: "INSTANCE" })).rows.map((r) => r.name)).toEqual(["instance build"]);
    expect((await as(admin).runners.pipelines({ page: 1, q: "100%_" })).total).toBe(0);
    expect(await trpcCode(as(outsider).runners.pipeline({ id: mine.id }))).toBe("NOT_FOUND");
    expect(await trpcCode(as(dev).runners.pipeline({ id: global.id }))).toBe("NOT_FOUND");
    const job = await as(dev).runners.job({ id: p!.jobs[0].id });
    expect(job.canManage).toBe(true);

    // a developer cancels a queued job: the job is canceled, its dependant skipped, the pipeline canceled
    await as(dev).runners.cancelJob({ id: p!.jobs[0].id });
    const after = await getPipeline(db(), mine.id);
    expect(after!.jobs.map((j) => j.status)).toEqual(["canceled", "skipped"]);
    expect(after!.status).toBe("canceled");
    // retry brings both back
    await as(dev).runners.retryJob({ id: p!.jobs[0].id });
    const retried = await getPipeline(db(), mine.id);
    expect(retried!.jobs.map((j) => j.status)).toEqual(["queued", "created"]);
    expect(await trpcCode(as(dev).runners.retryJob({ id: p!.jobs[0].id }))).toBe("CONFLICT");
  });

  it("streams a job's log as server-sent events to members, live, and serves the raw log", async () => {
    const r = await insertRunner(db(), { name: "sse", arch: "amd64", tags: [], executor: "shell", concurrency: 1, version: "t" }, null, false);
    const runner = (await runnerFromToken(db(), r.token))!;
    const { id } = await as(admin).runners.run({ name: "sse", org: "acme", yaml: "- {name: only, steps: [x]}" });
    let leased = await claimJob(db(), runner);
    while (leased && leased.pipelineId !== id) {
      await finishJob(db(), runner, leased.id, { attempt: leased.attempt, result: "success", exitCode: 0 });
      leased = await claimJob(db(), runner);
    }
    const job = leased!;
    await appendLog(db(), runner, job.id, job.attempt, 0, Buffer.from("\x1b[32mfirst\x1b[0m\n"));

    const denied = await streamJobLog(new Request("http://x/"), job.id, async () => outsider);
    expect(denied.status).toBe(404);

    const abort = new AbortController();
    const res = await streamJobLog(new Request("http://x/", { signal: abort.signal }), job.id, async () => dev);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    let seen = "";
    const readUntil = async (text: string) => {
      while (!Buffer.from(seen).toString().includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${text}`);
        for (const m of new TextDecoder().decode(value).matchAll(/data: (\{.*\})/g)) {
          const d = JSON.parse(m[1]) as { data?: string; status?: string };
          seen += d.data ? Buffer.from(d.data, "base64").toString() : `[end ${d.status}]`;
        }
      }
    };
    await readUntil("first");
    const t0 = Date.now();
    await appendLog(db(), runner, job.id, job.attempt, Buffer.byteLength("\x1b[32mfirst\x1b[0m\n"), Buffer.from("second\n"));
    await readUntil("second");
    expect(Date.now() - t0).toBeLessThan(1000);
    await finishJob(db(), runner, job.id, { attempt: job.attempt, result: "success", exitCode: 0 });
    await readUntil("[end success]");
    abort.abort();

    const raw = await rawJobLog(job.id, async () => dev);
    expect(await raw.text()).toBe("\x1b[32mfirst\x1b[0m\nsecond\n");
  });
});
