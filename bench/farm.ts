/**
 * `npm run bench:farm`: the binhost performance targets of issue 6, measured in one run.
 *
 *   1. BENCH_PACKAGES (2,000) real gpkg files of BENCH_PACKAGE_KB (1,024) each, zstd metadata,
 *      built with `tar` (test/support/gpkg.ts) → published through `publishBuild` (every
 *      Manifest verified, files stored, Packages + Packages.gz written, symlink swapped),
 *      RSS of this process sampled every 50 ms → growth (target: constant memory, < 100 MB);
 *   2. the portal (production build `.next-farmbench`) serving that binhost's Packages index
 *      to 50 concurrent clients: conditional requests (If-Modified-Since → 304) p95
 *      (target < 20 ms), and full 200 responses for comparison.
 * The 20,000-package index generation target is a vitest (server/farm/packages-index.test.ts).
 * Writes bench/results/farm-<date>.json and bench/results/farm-latest.md. Exit 1 on a miss.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { loadConfig } from "@/server/config";
import { publishBuild } from "@/server/farm/binhost";
import { stopBoss } from "@/server/jobs";
import { ensureFarmDefaults } from "@/server/farm/catalog";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { runMigrations } from "@/server/runtime/database";
import { makeGpkg } from "@/test/support/gpkg";
import { startPortal } from "@/test/support/portal";
import { createDatabase, dropDatabase, testPostgres } from "@/test/support/postgres";
import { and, eq, isNull } from "drizzle-orm";
import { binhostPublications } from "@/db/schema";
import { startFarmBuild } from "@/server/farm/pipeline";
import { queues } from "@/server/jobs";
import { getJob, getPipeline } from "@/server/runners/pipelines";
import { readLog } from "@/server/runners/queue";
import { serveFarmPortal, startGentooRunner } from "@/test/support/gentoo-farm";
import { commitBuildProfiles, commitTestTree } from "@/test/support/gentoo-mirror";
import { startTestUpstream, TEST_PORTAGE_PROFILE } from "@/test/support/gentoo-tree";
import { startJobWorker } from "@/test/support/job-worker";
import { portageMissing, portageSource } from "@/test/support/portage";
import { buildPortal, finishBench, stats, type Stats } from "./lib";

const distDir = ".next-farmbench";
const packages = Number(process.env.BENCH_PACKAGES ?? 2000);
const packageKb = Number(process.env.BENCH_PACKAGE_KB ?? 1024);
const clients = 50;
const requestsPerClient = 40;
const targets = { publishRssGrowthMb: 100, conditionalP95Ms: 20, realBuildPortalSharePct: 5 };
const MB = 2 ** 20;
const cleanups: (() => Promise<void>)[] = [];
const log = (line: string) => console.error(`[bench:farm] ${line}`);
const round1 = (n: number) => Math.round(n * 10) / 10;

async function publishBench(tmp: string) {
  const fixtures = path.join(tmp, "fixtures");
  fs.mkdirSync(fixtures);
  log(`building ${packages} gpkg files of ${packageKb} KB`);
  const t0 = performance.now();
  const files: string[] = [];
  for (let i = 0; i < packages; i++) {
    files.push(makeGpkg(fixtures, { category: `cat-${i % 40}`, pf: `pkg${i}-1.${i % 10}`, buildId: 1, compression: "zst", imageBytes: packageKb * 1024 }));
    if ((i + 1) % 250 === 0) log(`  ${i + 1} packages`);
  }
  const generateMs = Math.round(performance.now() - t0);
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t1 = performance.now();
  const result = await publishBuild(getDb(), {
    environment: "development",
    arch: "amd64",
    profile: "bench",
    parents: [],
    chost: "x86_64-pc-linux-gnu",
    portageProfile: "default/linux/amd64/23.0",
    baseUrl: "http://localhost/packages",
    files,
  });
  const publishMs = Math.round(performance.now() - t1);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  fs.rmSync(fixtures, { recursive: true, force: true });
  if (result.packages !== packages) throw new Error(`published ${result.packages} packages, expected ${packages}`);
  const index = fs.statSync(path.join(result.dir, "Packages")).size;
  return {
    packages,
    totalMb: round1(bytes / MB),
    generateMs,
    publishMs,
    throughputMBps: round1(bytes / MB / (publishMs / 1000)),
    indexKb: Math.round(index / 1024),
    baselineMb: round1(baseline / MB),
    peakMb: round1(peak / MB),
    growthMb: round1((peak - baseline) / MB),
  };
}

/**
 * A real build of the test tree's `hello` (with its dependency) on a gentoo runner on this
 * machine, portage from source, and its publication: how the job's wall time splits between
 * the runner's steps and the portal's own work (handing out the job, storing artifacts,
 * publishing the binhost). Needs the vendored portage; skipped without it.
 */
async function realBuildBench(tmp: string) {
  if (portageMissing()) return null;
  const work = path.join(tmp, "gentoo");
  fs.mkdirSync(work);
  const upstream = await startTestUpstream(work);
  cleanups.unshift(upstream.close);
  process.env.DISTFILES_UPSTREAM_MIRRORS = upstream.mirrorUrl;
  const portal = await serveFarmPortal();
  cleanups.unshift(portal.close);
  const db = getDb();
  await commitTestTree(db);
  await commitBuildProfiles(
    db,
    {
      "profiles/bench-hello.yaml": [
        "kind: system",
        `portageProfile: ${TEST_PORTAGE_PROFILE}`,
        "architectures: [amd64]",
        "make:",
        '  FEATURES: "buildpkg binpkg-multi-instance -news"',
        '  BINPKG_COMPRESS: "xz"',
        "packages: [app-misc/hello]",
        "",
      ].join("\n"),
    },
    "Bench profile",
  );
  const worker = await startJobWorker([queues.buildJobFinished]);
  cleanups.unshift(worker.stop);
  const runner = await startGentooRunner(db, portal, portageSource(), work);
  cleanups.unshift(runner.stop);
  log("real build of bench-hello (emerge of 2 packages) on a gentoo runner");
  const t0 = Date.now();
  const p = await startFarmBuild(db, { environment: "development", arch: "amd64", profile: "bench-hello", variant: "clean" }, null);
  const jobId = (await getPipeline(db, p.id))!.jobs[0].id;
  let job = await getJob(db, jobId);
  while (!job || !["success", "failed", "canceled"].includes(job.status)) {
    await new Promise((r) => setTimeout(r, 100));
    job = await getJob(db, jobId);
  }
  if (job.status !== "success") throw new Error(`the real build ${job.status}: ${job.failureReason}`);
  let published: Date | null = null;
  while (!published) {
    const [row] = await db
      .select({ createdAt: binhostPublications.createdAt })
      .from(binhostPublications)
      .where(and(eq(binhostPublications.profile, "bench-hello"), isNull(binhostPublications.supersededAt)));
    published = row?.createdAt ?? null;
    if (!published) await new Promise((r) => setTimeout(r, 100));
  }
  const log_ = Buffer.concat((await readLog(db, jobId, { attempt: 0, offset: 0 }, 100_000)).map((c) => c.data)).toString();
  // step sections carry whole-second timestamps: section_start:<t>:step_N … section_end:<t>:step_N
  const stepSeconds = [...log_.matchAll(/section_start:(\d+):(step_\d+)[^]*?section_end:(\d+):\2/g)].reduce((n, m) => n + Number(m[3]) - Number(m[1]), 0);
  const wallMs = published.getTime() - t0;
  const queueMs = job.startedAt!.getTime() - t0;
  const runnerMs = job.finishedAt!.getTime() - job.startedAt!.getTime();
  const publishMs = published.getTime() - job.finishedAt!.getTime();
  const portalMs = queueMs + publishMs + Math.max(0, runnerMs - stepSeconds * 1000);
  return { wallMs, queueMs, runnerMs, stepsMs: stepSeconds * 1000, publishMs, portalMs, portalShare: round1((100 * portalMs) / wallMs) };
}

async function serveBench(baseUrl: string) {
  const url = `${baseUrl}/packages/development/gentoo/amd64/bench/Packages`;
  const first = await fetch(url);
  if (first.status !== 200) throw new Error(`GET ${url}: HTTP ${first.status}`);
  const body = await first.text();
  const lastModified = first.headers.get("last-modified")!;
  const run = async (headers: Record<string, string>, expect: number, concurrency = clients) => {
    const samples: number[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = 0; i < requestsPerClient; i++) {
          const t = performance.now();
          const res = await fetch(url, { headers });
          const text = await res.text();
          samples.push(performance.now() - t);
          if (res.status !== expect || (expect === 200 && text.length !== body.length)) throw new Error(`GET ${url}: HTTP ${res.status}, expected ${expect}`);
        }
      }),
    );
    return stats(samples);
  };
  await run({ "if-modified-since": lastModified }, 304); // warm-up
  const conditional = await run({ "if-modified-since": lastModified }, 304);
  const full = await run({}, 200);
  const alone = await run({ "if-modified-since": lastModified }, 304, 1);
  return { indexBytes: body.length, conditional, full, alone };
}

function row(name: string, s: Stats) {
  return `| ${name} | ${Math.round(s.p50)} | ${Math.round(s.p95)} | ${Math.round(s.p99)} | ${s.count} |`;
}

type Result = Awaited<ReturnType<typeof main>>;

function markdown(r: Result) {
  return [
    `# Build farm benchmark — ${r.date}`,
    "",
    `${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB RAM, Node ${r.machine.node}; load average ${r.loadAverage.start.join(" / ")} at start.`,
    "",
    "| Target | Result | Limit | |",
    "|---|---|---|---|",
    ...r.targets.map((t) => `| ${t.name} | ${t.value} ${t.unit} | < ${t.limit} ${t.unit} | ${t.pass ? "met" : "**missed**"} |`),
    "",
    `Publishing ${r.publish.packages} packages (${r.publish.totalMb} MB; generated with tar in ${Math.round(r.publish.generateMs / 1000)} s): ${round1(r.publish.publishMs / 1000)} s (${r.publish.throughputMBps} MB/s, every Manifest verified, files copied into the store), index ${r.publish.indexKb} KB; RSS ${r.publish.baselineMb} MB before, peak ${r.publish.peakMb} MB.`,
    "",
    ...(r.realBuild ?
      [
        `Real build of the test tree's \`app-misc/hello\` and its dependency (gentoo runner on this machine, portage from source): ${round1(r.realBuild.wallMs / 1000)} s from "Run" to the published binhost — queue and lease ${r.realBuild.queueMs} ms, runner ${r.realBuild.runnerMs} ms (steps ${r.realBuild.stepsMs} ms, whole seconds), publishing ${r.realBuild.publishMs} ms; the portal's part ${r.realBuild.portalMs} ms = ${r.realBuild.portalShare} %.`,
        "",
      ]
    : []),
    `Serving the ${Math.round(r.serve.indexBytes / 1024)} KB Packages index, ${clients} concurrent clients × ${requestsPerClient} requests (ms):`,
    "",
    "| Request | p50 | p95 | p99 | n |",
    "|---|---|---|---|---|",
    row("If-Modified-Since → 304", r.serve.conditional),
    row("full GET → 200", r.serve.full),
    ...(r.serve.alone ? [row("If-Modified-Since → 304, one client alone", r.serve.alone)] : []),
    "",
    `Total run ${Math.round(r.totalMs / 1000)} s${r.buildMs ? ` (\`next build\` ${Math.round(r.buildMs / 1000)} s)` : ""}. Raw numbers: \`bench/results/${r.file}\`.`,
    "",
  ].join("\n");
}

const load = () => os.loadavg().map((n) => round1(n));

async function main() {
  const started = new Date();
  const loadAtStart = load();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-farmbench-"));
  cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  const pg = await testPostgres();
  cleanups.push(pg.stop);
  const db = await createDatabase(pg.adminUrl, "rookery_farmbench");
  cleanups.unshift(() => dropDatabase(pg.adminUrl, db.name));
  await runMigrations(db.url);
  Object.assign(process.env, { DATABASE_URL: db.url, ROOKERY_DATA_DIR: path.join(tmp, "data") });
  loadConfig();
  await ensureInfrastructureOrg(getDb());
  await ensureFarmDefaults(getDb());

  const publish = await publishBench(tmp);
  log(`published in ${publish.publishMs} ms, RSS +${publish.growthMb} MB`);
  const realBuild = await realBuildBench(tmp);
  if (realBuild) log(`real build: ${realBuild.wallMs} ms to published, portal ${realBuild.portalMs} ms (${realBuild.portalShare} %)`);
  await stopBoss(); // publishing queued GLSA scans through the sending client
  await closeDb();

  const logFile = path.join(tmp, "portal.log");
  const buildMs = buildPortal(distDir, path.join(tmp, "build.log"), log);
  log("starting the portal");
  const portal = await startPortal(
    {
      NEXT_DIST_DIR: distDir,
      ROOKERY_DATA_DIR: process.env.ROOKERY_DATA_DIR,
      DATABASE_URL: db.url,
      ROOKERY_INPROCESS_WORKERS: "false",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    { logFile },
  );
  cleanups.unshift(portal.stop);
  const serve = await serveBench(portal.url);
  const file = `farm-${started.toISOString().replace(/:/g, "-").replace(/\..*/, "")}.json`;
  return {
    date: started.toISOString(),
    file,
    totalMs: Math.round(Date.now() - started.getTime()),
    buildMs,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? "unknown CPU",
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.versions.node,
    },
    loadAverage: { start: loadAtStart, end: load() },
    publish,
    realBuild,
    serve,
    targets: [
      ...(realBuild ?
        [
          {
            name: "Portal's share of a real build's wall time (handing out, artifacts, publishing)",
            value: realBuild.portalShare,
            unit: "%",
            limit: targets.realBuildPortalSharePct,
            pass: realBuild.portalShare < targets.realBuildPortalSharePct,
          },
        ]
      : []),
      {
        name: `RSS growth publishing ${publish.packages} packages (${publish.totalMb} MB)`,
        value: publish.growthMb,
        unit: "MB",
        limit: targets.publishRssGrowthMb,
        pass: publish.growthMb < targets.publishRssGrowthMb,
      },
      {
        name: `Packages served to ${clients} concurrent clients, If-Modified-Since → 304, p95`,
        value: Math.round(serve.conditional.p95),
        unit: "ms",
        limit: targets.conditionalP95Ms,
        pass: serve.conditional.p95 < targets.conditionalP95Ms,
      },
    ],
  };
}

async function cleanup() {
  for (const c of cleanups) await c().catch((e) => log(`cleanup: ${e instanceof Error ? e.message : e}`));
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });

finishBench(main(), { latest: "farm-latest.md", markdown, cleanup, log });
