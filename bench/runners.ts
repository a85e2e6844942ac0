/**
 * `npm run bench:runners`: the build-runner performance targets of issue 5.
 *
 *   1. 100 simulated runners long-poll the runner API at once; 200 single-job pipelines are
 *      queued one by one → dispatch latency from enqueue to a runner holding the job
 *      (target p95 < 500 ms), and PostgreSQL's CPU over that phase;
 *   2. one job's log ingested in 1 MB chunks (as the runner sends a backlog) (target ≥ 5 MB/s) while a viewer follows it
 *      the way the SSE endpoint does (NOTIFY + read) → latency until it sees each chunk
 *      (target p95 < 1 s);
 *   3. a 1 GB artifact streamed to the API process → its RSS growth (target < 100 MB).
 *
 * The API runs in its own process (bench/runner-api-server.ts, the handler the Next route
 * uses). Writes bench/results/runners-<date>.json and runners-latest.md. Not part of `npm test`.
 *   BENCH_RUNNERS=100  BENCH_JOBS=200  BENCH_LOG_MB=50  BENCH_ARTIFACT_MB=1024
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { closeDb, getDb } from "@/db/client";
import { loadConfig } from "@/server/config";
import { createPipeline } from "@/server/runners/pipelines";
import { readLog } from "@/server/runners/queue";
import { insertRunner } from "@/server/runners/registration";
import { onLog } from "@/server/runners/signals";
import { runMigrations } from "@/server/runtime/database";
import { createDatabase, dropDatabase, testPostgres } from "@/test/support/postgres";
import { finishBench, stats } from "./lib";

const root = path.resolve(import.meta.dirname, "..");
const RUNNERS = Number(process.env.BENCH_RUNNERS ?? 100);
const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const LOG_MB = Number(process.env.BENCH_LOG_MB ?? 50);
const ARTIFACT_MB = Number(process.env.BENCH_ARTIFACT_MB ?? 1024);
const MB = 2 ** 20;
const targets = { dispatchP95Ms: 500, logMBps: 5, viewerP95Ms: 1000, rssGrowthMb: 100 };
const log = (l: string) => console.error(`[bench:runners] ${l}`);
const cleanups: (() => Promise<unknown>)[] = [];
const round1 = (n: number) => Math.round(n * 10) / 10;

/** CPU seconds used so far by every process named postgres on this machine. */
function postgresCpuSeconds() {
  const tick = 100;
  let total = 0;
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (name !== "postgres" && !name.startsWith("postgres:")) continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

async function startApi(env: Record<string, string>): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(path.join(root, "node_modules/.bin/tsx"), ["bench/runner-api-server.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(async () => proc.kill("SIGTERM"));
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    proc.once("exit", (c) => reject(new Error(`the API server exited (${c})`)));
  });
  return { url: `http://127.0.0.1:${port}/api/runner/v1`, proc };
}

async function call(url: string, token: string, body: unknown) {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status === 204) return null;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function run() {
  const pg = await testPostgres();
  cleanups.push(() => pg.stop());
  const created = await createDatabase(pg.adminUrl, "rookery_runbench");
  cleanups.push(() => dropDatabase(pg.adminUrl, created.name));
  await runMigrations(created.url);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-runbench-"));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: created.url, ROOKERY_DATA_DIR: dataDir, RUNNER_LOG_CHUNK_MAX_KB: "1024" };
  Object.assign(process.env, env);
  loadConfig();
  cleanups.push(() => closeDb());
  const db = getDb();
  const api = await startApi(env);
  log(`API on ${api.url}`);

  // 1. dispatch latency with RUNNERS pollers
  const tokens = await Promise.all(
    Array.from({ length: RUNNERS }, (_, i) =>
      insertRunner(db, { name: `sim-${i}`, arch: "amd64", tags: [], executor: "shell", concurrency: 1, version: "bench" }, null, false),
    ),
  );
  const queuedAt = new Map<string, number>();
  const latencies: number[] = [];
  let stop = false;
  let received = 0;
  const pollers = tokens.map(async ({ token }) => {
    while (!stop) {
      const r = (await call(`${api.url}/jobs/request`, token, { wait: 30 }).catch(() => null)) as {
        job: { id: string; pipelineId: string; attempt: number };
      } | null;
      if (!r) continue;
      const t = performance.now();
      latencies.push(t - queuedAt.get(r.job.pipelineId)!);
      received++;
      await call(`${api.url}/jobs/${r.job.id}/finish`, token, { attempt: r.job.attempt, result: "success", exitCode: 0 });
    }
  });
  await new Promise((r) => setTimeout(r, 2000)); // every runner is waiting
  const cpu0 = postgresCpuSeconds();
  const wall0 = performance.now();
  for (let i = 0; i < JOBS; i++) {
    const t = performance.now();
    const p = await createPipeline(db, { name: `bench-${i}`, jobs: [{ name: "j", steps: [{ run: "true" }] }] });
    queuedAt.set(p.id, t);
    await new Promise((r) => setTimeout(r, 25));
  }
  while (received < JOBS) await new Promise((r) => setTimeout(r, 50));
  const wall = (performance.now() - wall0) / 1000;
  const pgCpu = postgresCpuSeconds() - cpu0;
  const dispatch = stats(latencies);
  log(`dispatch p95 ${Math.round(dispatch.p95)} ms, PostgreSQL CPU ${round1((pgCpu / wall) * 100)} % of one core`);

  // 2. log ingestion, with a viewer following
  // a runner of its own (tag "ingest") so none of the pollers takes this job
  const ingest = (await insertRunner(db, { name: "ingest", arch: "amd64", tags: ["ingest"], executor: "shell", concurrency: 1, version: "bench" }, null, false))
    .token;
  await createPipeline(db, { name: "log", jobs: [{ name: "j", tags: ["ingest"], steps: [{ run: "true" }] }] });
  const leased = await waitJob(ingest);
  const viewerLatencies: number[] = [];
  let pos = { attempt: 0, offset: 0 };
  let reading = Promise.resolve();
  const sentAt = new Map<number, number>();
  const unsubscribe = await onLog(db, leased.id, () => {
    reading = reading.then(async () => {
      for (const c of await readLog(db, leased.id, pos, 1000)) {
        const t = sentAt.get(c.offset);
        if (t !== undefined) viewerLatencies.push(performance.now() - t);
        pos = { attempt: c.attempt, offset: c.offset + c.data.length };
      }
    });
  });
  // the runner sends up to 1 MB per request (the server's default limit) when output piles up
  const chunk = Buffer.alloc(MB, "0123456789abcdef build output line\n");
  const total = LOG_MB * MB;
  const t0 = performance.now();
  for (let offset = 0; offset < total; offset += chunk.length) {
    sentAt.set(offset, performance.now());
    const res = await fetch(`${api.url}/jobs/${leased.id}/log?attempt=${leased.attempt}&offset=${offset}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${ingest}`, "content-type": "application/octet-stream" },
      body: new Uint8Array(chunk),
    });
    if (!res.ok) throw new Error(`log: ${res.status} ${await res.text()}`);
  }
  const logSeconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1500));
  await reading;
  unsubscribe();
  const logMBps = total / MB / logSeconds;
  const viewer = stats(viewerLatencies);
  log(`log ${round1(logMBps)} MB/s, viewer p95 ${Math.round(viewer.p95)} ms`);

  // 3. a big artifact, streamed
  const block = Buffer.alloc(MB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 7919) & 0xff;
  const hash = createHash("sha256");
  for (let i = 0; i < ARTIFACT_MB; i++) hash.update(block);
  const sha256 = hash.digest("hex");
  const rss0 = rssMb(api.proc.pid!);
  let rssMax = rss0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(api.proc.pid!))), 100);
  const body = Readable.from(
    (function* () {
      for (let i = 0; i < ARTIFACT_MB; i++) yield block;
    })(),
  );
  const a0 = performance.now();
  const up = await fetch(`${api.url}/jobs/${leased.id}/artifacts?attempt=${leased.attempt}&name=big.bin&sha256=${sha256}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ingest}`, "content-type": "application/octet-stream" },
    body: Readable.toWeb(body) as unknown as ReadableStream,
    // @ts-expect-error streamed request body
    duplex: "half",
  });
  const uploadSeconds = (performance.now() - a0) / 1000;
  clearInterval(sampler);
  if (up.status !== 201) throw new Error(`artifact: ${up.status} ${await up.text()}`);
  const rssGrowth = rssMax - rss0;
  log(`artifact ${ARTIFACT_MB} MB in ${round1(uploadSeconds)} s, API RSS +${round1(rssGrowth)} MB`);

  stop = true;
  api.proc.kill("SIGTERM");
  await Promise.race([Promise.allSettled(pollers), new Promise((r) => setTimeout(r, 2000))]);

  const date = new Date().toISOString().slice(0, 10);
  return {
    file: `runners-${date}.json`,
    date,
    machine: { cores: os.availableParallelism(), load: os.loadavg()[0] },
    dispatch,
    postgresCpuPercent: round1((pgCpu / wall) * 100),
    log: { mb: LOG_MB, MBps: round1(logMBps), viewer },
    artifact: { mb: ARTIFACT_MB, seconds: round1(uploadSeconds), rssGrowthMb: round1(rssGrowth) },
    targets: [
      {
        name: `dispatch p95, ${RUNNERS} runners long-polling, ${JOBS} jobs`,
        value: `${Math.round(dispatch.p95)} ms`,
        target: `< ${targets.dispatchP95Ms} ms`,
        pass: dispatch.p95 < targets.dispatchP95Ms,
      },
      {
        name: `log ingestion, one job, ${LOG_MB} MB in 1 MB chunks`,
        value: `${round1(logMBps)} MB/s`,
        target: `≥ ${targets.logMBps} MB/s`,
        pass: logMBps >= targets.logMBps,
      },
      {
        name: "a viewer sees each log chunk (p95)",
        value: `${Math.round(viewer.p95)} ms`,
        target: `< ${targets.viewerP95Ms} ms`,
        pass: viewer.p95 < targets.viewerP95Ms,
      },
      {
        name: `API RSS growth during a ${ARTIFACT_MB} MB artifact upload`,
        value: `+${round1(rssGrowth)} MB`,
        target: `< ${targets.rssGrowthMb} MB`,
        pass: rssGrowth < targets.rssGrowthMb,
      },
    ],
  };

  async function waitJob(token: string) {
    for (;;) {
      const r = (await call(`${api.url}/jobs/request`, token, { wait: 5 })) as { job: { id: string; attempt: number } } | null;
      if (r) return r.job;
    }
  }
}

finishBench(run(), {
  latest: "runners-latest.md",
  log,
  cleanup: async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  },
  markdown: (r) =>
    [
      `# Runner benchmark ${r.date} (${r.machine.cores} cores, load ${round1(r.machine.load)})`,
      "",
      "| Measurement | Result | Target |",
      "|---|---|---|",
      ...r.targets.map((t) => `| ${t.name} | ${t.value} | ${t.target}${t.pass ? "" : ": **missed**"} |`),
      `| PostgreSQL CPU while dispatching | ${r.postgresCpuPercent} % of one core | |`,
      `| Artifact upload time | ${r.artifact.seconds} s | |`,
      "",
    ].join("\n"),
});
