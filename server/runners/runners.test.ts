import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts, buildJobs, notifications, runners as runnerRows } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { busyboxRootfs, registerRunnerCli, startRunnerProcess, waitFor, type RunnerProcess } from "@/test/support/runner";
import { createLocalUser } from "@/server/users";
import { createPipeline, cancelJob, getJob, getPipeline } from "./pipelines";
import { claimJob, notifyStuckJobs, readLog } from "./queue";
import { createRegistrationToken, insertRunner, removeRunner, runnerFromToken } from "./registration";
import { handleRunnerApi } from "./http";
import { deleteExpiredArtifacts } from "./artifacts";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-runners-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-runners-work-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, RUNNER_LEASE_SECONDS: "3", RUNNER_HEARTBEAT_SECONDS: "1", RUNNER_LOG_CHUNK_MAX_KB: "64" });
let server: FetchServer;
let regToken = "";
const running: RunnerProcess[] = [];

beforeAll(async () => {
  server = await serveFetch(async (req) => {
    const p = new URL(req.url).pathname;
    if (!p.startsWith("/api/runner/v1/")) return new Response("not found", { status: 404 });
    return handleRunnerApi(req, p.slice("/api/runner/v1/".length).split("/"));
  });
  const admin = await createLocalUser(db(), { username: "boss", password: "Admin-password-1", isAdmin: true });
  regToken = (await createRegistrationToken(db(), { description: "tests", createdBy: admin.id })).token;
});

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

let n = 0;
/** Registers a runner through the real CLI and starts `runner run` as its own process. */
async function runner(extra: string[] = [], start = true) {
  const name = `r${++n}`;
  const config = path.join(work, `${name}.json`);
  const r = await registerRunnerCli([
    "--url",
    server.url,
    "--token",
    regToken,
    "--name",
    name,
    "--arch",
    "amd64",
    "--config",
    config,
    "--builds-dir",
    path.join(work, `builds-${name}`),
    ...extra,
  ]);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  const proc = start ? startRunnerProcess(config) : null;
  if (proc) running.push(proc);
  return { name, config, proc, token: JSON.parse(fs.readFileSync(config, "utf8")).token as string };
}

const logText = async (jobId: string, attempt?: number) =>
  Buffer.concat(
    (await readLog(db(), jobId, { attempt: 0, offset: 0 }, 10_000)).filter((c) => attempt === undefined || c.attempt === attempt).map((c) => c.data),
  ).toString();
const jobOf = async (pipelineId: string, name: string) => (await getPipeline(db(), pipelineId))!.jobs.find((j) => j.name === name)!;
const finished = (jobId: string, timeoutMs = 30_000) =>
  waitFor(
    "the job to finish",
    async () => {
      const j = await getJob(db(), jobId);
      return j && ["success", "failed", "canceled"].includes(j.status) ? j : null;
    },
    timeoutMs,
  );

function api(pathname: string, token: string, init: RequestInit = {}) {
  return fetch(`${server.url}/api/runner/v1/${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });
}

describe("runner protocol", () => {
  it("refuses an unknown registration token and unknown, removed runner tokens with 401", async () => {
    const bad = await registerRunnerCli([
      "--url",
      server.url,
      "--token",
      "rkrt_nope",
      "--name",
      "x",
      "--arch",
      "amd64",
      "--config",
      path.join(work, "bad.json"),
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/401 Unknown or revoked registration token/);
    expect((await api("verify", "rkr_unknown", { method: "POST", body: "{}" })).status).toBe(401);

    const r = await runner([], false);
    expect((await api("verify", r.token, { method: "POST", body: "{}" })).status).toBe(200);
    const row = await runnerFromToken(db(), r.token);
    await removeRunner(db(), row!.id);
    expect((await api("jobs/request", r.token, { method: "POST", body: JSON.stringify({ wait: 0 }) })).status).toBe(401);
  });

  it("calls a queued job no online runner can take stuck, names the tags, and tells the admins once", async () => {
    const admin = await createLocalUser(db(), { username: "stuck-admin", password: "Sturdy-pass-2026", isAdmin: true });
    const p = await createPipeline(db(), { name: "stuck", jobs: [{ name: "lonely", arch: "sparc", tags: ["gentoo"], steps: [{ run: "true" }] }] });
    const job = await jobOf(p.id, "lonely");
    expect(job.stuck).toBe("stuck: no online runner with tags gentoo, sparc");
    expect((await getJob(db(), job.id))!.stuck).toBe("stuck: no online runner with tags gentoo, sparc");

    // Not yet a minute in the queue: nobody is told.
    expect(await notifyStuckJobs(db())).toBe(0);
    await db()
      .update(buildJobs)
      .set({ queuedAt: sql`now() - interval '2 minutes'` })
      .where(eq(buildJobs.id, job.id));
    expect(await notifyStuckJobs(db())).toBe(1);
    expect(await notifyStuckJobs(db())).toBe(0);
    const told = await db()
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, admin.id), eq(notifications.kind, "build.stuck")));
    expect(told).toMatchObject([{ title: "Job lonely is stuck: no online runner with tags gentoo, sparc", link: `/jobs/${job.id}` }]);

    // An online runner with the tags and architecture takes the label away; a paused one would not.
    const r = await insertRunner(
      db(),
      { name: "sparc-box", arch: "sparc", tags: ["gentoo", "extra"], executor: "shell", concurrency: 1, version: "t" },
      null,
      false,
    );
    await db().update(runnerRows).set({ lastContactAt: new Date(), paused: true }).where(eq(runnerRows.id, r.id));
    expect((await jobOf(p.id, "lonely")).stuck).not.toBeNull();
    await db().update(runnerRows).set({ paused: false }).where(eq(runnerRows.id, r.id));
    expect((await jobOf(p.id, "lonely")).stuck).toBeNull();
    await cancelJob(db(), job.id);
    await removeRunner(db(), r.id);
  });

  it("keeps log chunks idempotent by offset, refuses gaps, oversized chunks (413) and callers without the lease (409)", async () => {
    const a = await insertRunner(db(), { name: "direct-a", arch: "amd64", tags: [], executor: "shell", concurrency: 1, version: "t" }, null, false);
    const b = await insertRunner(db(), { name: "direct-b", arch: "amd64", tags: [], executor: "shell", concurrency: 1, version: "t" }, null, false);
    const p = await createPipeline(db(), { name: "direct", jobs: [{ name: "only", steps: [{ run: "true" }], arch: "amd64" }] });
    const res = await api("jobs/request", a.token, { method: "POST", body: JSON.stringify({ wait: 5 }) });
    expect(res.status).toBe(200);
    const { job } = (await res.json()) as { job: { id: string; attempt: number } };
    expect(job.id).toBe((await jobOf(p.id, "only")).id);
    const put = (token: string, offset: number, body: string | Buffer) =>
      api(`jobs/${job.id}/log?attempt=1&offset=${offset}`, token, {
        method: "PUT",
        body: typeof body === "string" ? body : new Uint8Array(body),
        headers: { "content-type": "application/octet-stream" },
      });

    expect((await put(a.token, 0, "hello ")).status).toBe(200);
    expect(await (await put(a.token, 0, "hello ")).json()).toEqual({ length: 6 }); // resent: not duplicated
    expect((await put(a.token, 6, "world\n")).status).toBe(200);
    expect(await (await put(a.token, 3, "lo world\nmore\n")).json()).toEqual({ length: 17 }); // overlap: only the new tail
    const gap = await put(a.token, 40, "x");
    expect(gap.status).toBe(416);
    expect(await gap.json()).toMatchObject({ expected: 17 });
    expect((await put(a.token, 17, Buffer.alloc(65 * 1024, 97))).status).toBe(413);
    expect(await logText(job.id)).toBe("hello world\nmore\n");

    expect((await put(b.token, 17, "intruder")).status).toBe(409);
    expect((await api(`jobs/${job.id}/heartbeat`, b.token, { method: "POST", body: JSON.stringify({ attempt: 1 }) })).status).toBe(409);
    expect((await api(`jobs/${job.id}/finish`, b.token, { method: "POST", body: JSON.stringify({ attempt: 1, result: "success", exitCode: 0 }) })).status).toBe(
      409,
    );

    // artifacts: a wrong sha256 is rejected and leaves nothing; an interrupted upload leaves nothing
    const content = Buffer.from("artifact bytes\n");
    const wrong = createHash("sha256").update("something else").digest("hex");
    const bad = await api(`jobs/${job.id}/artifacts?attempt=1&name=out.txt&sha256=${wrong}`, a.token, { method: "PUT", body: new Uint8Array(content) });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error).toMatch(/sha256 mismatch/);
    await interruptedUpload(`/api/runner/v1/jobs/${job.id}/artifacts?attempt=1&name=big.bin&sha256=${wrong}`, a.token);
    expect(await db().select().from(buildArtifacts).where(eq(buildArtifacts.jobId, job.id))).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, "artifacts/tmp"))).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, "artifacts")).filter((f) => f !== "tmp")).toEqual([]);

    const good = createHash("sha256").update(content).digest("hex");
    const ok = await api(`jobs/${job.id}/artifacts?attempt=1&name=out.txt&sha256=${good}`, a.token, { method: "PUT", body: new Uint8Array(content) });
    expect(ok.status).toBe(201);
    const fin = await api(`jobs/${job.id}/finish`, a.token, { method: "POST", body: JSON.stringify({ attempt: 1, result: "success", exitCode: 0 }) });
    expect(await fin.json()).toEqual({ status: "success" });
    expect((await getPipeline(db(), p.id))!.status).toBe("success");
    expect((await getJob(db(), job.id))!.artifacts.map((x) => [x.name, x.size])).toEqual([["out.txt", content.length]]);

    // kept ARTIFACT_RETENTION_DAYS (30) for the default kind, then removed with its bytes
    const [stored] = await db().select().from(buildArtifacts).where(eq(buildArtifacts.jobId, job.id));
    expect(Math.round((stored.expiresAt!.getTime() - Date.now()) / 86_400_000)).toBe(30);
    expect(fs.existsSync(path.join(dataDir, "artifacts", stored.storageKey))).toBe(true);
    expect(await deleteExpiredArtifacts(db())).toEqual({ deleted: 0 });
    await db()
      .update(buildArtifacts)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(buildArtifacts.id, stored.id));
    expect(await deleteExpiredArtifacts(db())).toEqual({ deleted: 1 });
    expect(fs.existsSync(path.join(dataDir, "artifacts", stored.storageKey))).toBe(false);
  });

  it("hands a job to exactly one of many runners claiming at once", async () => {
    const rs = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        insertRunner(db(), { name: `race-${i}`, arch: "amd64", tags: [], executor: "shell", concurrency: 1, version: "t" }, null, false),
      ),
    );
    await createPipeline(db(), { name: "race", jobs: [{ name: "one", steps: [{ run: "true" }], arch: "amd64" }] });
    const claims = await Promise.all(rs.map(async (r) => claimJob(db(), (await runnerFromToken(db(), r.token))!)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it("a long-polling runner gets a newly queued job within a second (NOTIFY wakes it)", async () => {
    const r = await insertRunner(db(), { name: "poller", arch: "arm64", tags: ["fast"], executor: "shell", concurrency: 1, version: "t" }, null, false);
    const polled = api("jobs/request", r.token, { method: "POST", body: JSON.stringify({ wait: 20 }) });
    await new Promise((res) => setTimeout(res, 500));
    const queuedAt = Date.now();
    const p = await createPipeline(db(), { name: "fast", jobs: [{ name: "quick", arch: "arm64", tags: ["fast"], steps: [{ run: "true" }] }] });
    const res = await polled;
    expect(Date.now() - queuedAt).toBeLessThan(1000);
    expect(((await res.json()) as { job: { id: string } }).job.id).toBe((await jobOf(p.id, "quick")).id);
  });
});

function interruptedUpload(pathname: string, token: string) {
  return new Promise<void>((resolve) => {
    const req = http.request(`${server.url}${pathname}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-length": String(10 * 1024 * 1024) },
    });
    req.on("error", () => resolve());
    req.write(Buffer.alloc(256 * 1024, 1));
    setTimeout(() => {
      req.destroy();
      setTimeout(resolve, 500);
    }, 300);
  });
}

describe("runner processes (shell executor)", () => {
  it("streams a job's log while it runs, runs needs in order and publishes artifacts", { timeout: 90_000 }, async () => {
    await runner(["--tags", "live"]);
    const p = await createPipeline(db(), {
      name: "live",
      jobs: [
        {
          name: "build",
          tags: ["live"],
          steps: [{ name: "greet", run: "echo first line; sleep 2; echo second line" }, { run: "mkdir -p out && echo payload > out/result.txt" }],
          artifacts: ["out/"],
        },
        // 330 KB at once: more than RUNNER_LOG_CHUNK_MAX_KB (64) per request, the runner splits it after a 413
        { name: "test", tags: ["live"], needs: ["build"], steps: [{ run: "echo testing; yes 0123456789 | head -n 30000" }] },
      ],
    });
    const build = await jobOf(p.id, "build");
    expect((await jobOf(p.id, "test")).status).toBe("created");
    await waitFor(
      "the first line while running",
      async () => (await logText(build.id)).includes("first line") && (await getJob(db(), build.id))!.status === "running",
    );
    expect(await logText(build.id)).not.toContain("second line");
    const done = await finished(build.id);
    expect(done.status).toBe("success");
    expect(await logText(build.id)).toMatch(/section_start:\d+:step_1[\s\S]*second line[\s\S]*section_end:\d+:step_2/);
    expect(done.artifacts.map((a) => a.name)).toEqual(["out/result.txt"]);
    const t = await finished((await jobOf(p.id, "test")).id);
    expect(t.status).toBe("success");
    expect((await logText(t.id)).match(/^0123456789$/gm)).toHaveLength(30000);
    expect((await getPipeline(db(), p.id))!.status).toBe("success");
  });

  it("database connections dropped while runners poll: runners back off, reconnect, and NOTIFY still dispatches", { timeout: 90_000 }, async () => {
    await db().execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
    // this process's pooled connections were dropped too: the first queries may fail
    const p = await waitFor("the database again", () =>
      createPipeline(db(), { name: "after-drop", jobs: [{ name: "again", tags: ["live"], steps: [{ run: "echo back" }] }] }).catch(() => null),
    );
    // every pooled connection (10) must have failed once and reconnected, or the polling below meets a dead one
    await waitFor("every pooled connection again", async () =>
      (
        await Promise.all(
          Array.from({ length: 10 }, () =>
            db()
              .execute(sql`select 1`)
              .then(
                () => true,
                () => false,
              ),
          ),
        )
      ).every(Boolean),
    );
    const job = await finished((await jobOf(p.id, "again")).id, 60_000);
    expect(job.status).toBe("success");
  });

  it("two runners race for one job: exactly one runs it", { timeout: 90_000 }, async () => {
    await runner(["--tags", "race2"]);
    await runner(["--tags", "race2"]);
    const marker = path.join(work, "race-marker");
    const p = await createPipeline(db(), {
      name: "race2",
      jobs: [{ name: "once", tags: ["race2"], steps: [{ run: `echo "$ROOKERY_JOB_ID $(pwd)" >> ${marker}` }] }],
    });
    const job = await finished((await jobOf(p.id, "once")).id);
    expect(job.status).toBe("success");
    await new Promise((r) => setTimeout(r, 1500));
    expect(fs.readFileSync(marker, "utf8").trim().split("\n")).toHaveLength(1);
    expect(job.attempt).toBe(1);
  });

  it(
    "kill -9 of a runner mid-job: the lease expires, a second runner finishes it, the log has both attempts, artifacts once",
    { timeout: 120_000 },
    async () => {
      const first = await runner(["--tags", "crash"]);
      const p = await createPipeline(db(), {
        name: "crash",
        jobs: [
          { name: "slow", tags: ["crash"], steps: [{ run: "echo started attempt; sleep 4; mkdir out; echo built > out/a.txt" }], artifacts: ["out/*.txt"] },
        ],
      });
      const { id } = await jobOf(p.id, "slow");
      await waitFor("the first attempt to start", async () => (await logText(id)).includes("started attempt"));
      first.proc!.kill9();
      const second = await runner(["--tags", "crash"]);
      const job = await finished(id, 60_000);
      expect(job.status).toBe("success");
      expect(job.attempt).toBe(2);
      expect(await logText(id, 1)).toMatch(/started attempt[\s\S]*runner lost/);
      expect(await logText(id, 2)).toMatch(/started attempt[\s\S]*Job success/);
      const rows = await db().select().from(buildArtifacts).where(eq(buildArtifacts.jobId, id));
      expect(rows.map((r) => [r.name, r.attempt])).toEqual([["out/a.txt", 2]]);
      await second.proc!.stop();
    },
  );

  it("cancel reaches the runner on its next heartbeat and kills the whole process tree", { timeout: 90_000 }, async () => {
    await runner(["--tags", "cancel"]);
    const pidFile = path.join(work, "grandchild.pid");
    const p = await createPipeline(db(), {
      name: "cancel",
      jobs: [{ name: "long", tags: ["cancel"], steps: [{ run: `sh -c 'sleep 300 & echo $! > ${pidFile}; wait'` }] }],
    });
    const { id } = await jobOf(p.id, "long");
    const pid = await waitFor("the grandchild", async () => fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, "utf8")));
    expect(alive(pid)).toBe(true);
    expect(await cancelJob(db(), id)).toBe("requested");
    const job = await finished(id);
    expect(job.status).toBe("canceled");
    await waitFor("the grandchild to die", async () => !alive(pid), 5000);
    expect((await getPipeline(db(), p.id))!.status).toBe("canceled");
  });

  it("bwrap executor: runs the steps inside a throwaway copy of the rootfs", { timeout: 90_000 }, async () => {
    const rootfs = busyboxRootfs(path.join(work, "rootfs"));
    await runner(["--tags", "sandbox", "--executor", "bwrap", "--rootfs", `amd64=${rootfs}`]);
    const p = await createPipeline(db(), {
      name: "sandbox",
      jobs: [
        {
          name: "inside",
          tags: ["sandbox"],
          steps: [{ run: "cat /etc/os-release; test ! -e /work && echo no-host-fs; echo dirty > /etc/dirty; echo out > /workspace/o.txt; pwd" }],
          artifacts: ["o.txt"],
        },
      ],
    });
    const job = await finished((await jobOf(p.id, "inside")).id);
    const log = await logText(job.id);
    expect(job.status, log).toBe("success");
    expect(log).toContain("NAME=busybox-test");
    expect(log).toContain("no-host-fs");
    expect(log).toContain("/workspace");
    expect(fs.existsSync(path.join(rootfs, "etc/dirty"))).toBe(false);
    expect(job.artifacts.map((a) => a.name)).toEqual(["o.txt"]);
    const [row] = await db()
      .select()
      .from(buildJobs)
      .where(and(eq(buildJobs.id, job.id)));
    expect(row.exitCode).toBe(0);
  });

  // systemd-nspawn needs systemd on the host; tested where it exists
  it.skipIf(!fs.existsSync("/usr/bin/systemd-nspawn"))(
    "nspawn executor: runs the steps in a container over a copy of the rootfs",
    { timeout: 90_000 },
    async () => {
      const rootfs = fs.existsSync(path.join(work, "rootfs/bin/sh")) ? path.join(work, "rootfs") : busyboxRootfs(path.join(work, "rootfs"));
      await runner(["--tags", "nspawn", "--executor", "nspawn", "--rootfs", `amd64=${rootfs}`]);
      const p = await createPipeline(db(), {
        name: "nspawn",
        jobs: [{ name: "inside", tags: ["nspawn"], steps: [{ run: "cat /etc/os-release; echo dirty > /etc/dirty; pwd" }] }],
      });
      const job = await finished((await jobOf(p.id, "inside")).id, 60_000);
      const log = await logText(job.id);
      expect(job.status, log).toBe("success");
      expect(log).toContain("NAME=busybox-test");
      expect(fs.existsSync(path.join(rootfs, "etc/dirty"))).toBe(false);
    },
  );
});

function alive(pid: number) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return !/^\d+ \(.*\) Z/.test(stat);
}
