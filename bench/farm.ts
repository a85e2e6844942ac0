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
import { ensureFarmDefaults } from "@/server/farm/catalog";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { runMigrations } from "@/server/runtime/database";
import { makeGpkg } from "@/test/support/gpkg";
import { startPortal } from "@/test/support/portal";
import { createDatabase, dropDatabase, testPostgres } from "@/test/support/postgres";
import { buildPortal, finishBench, stats, type Stats } from "./lib";

const distDir = ".next-farmbench";
const packages = Number(process.env.BENCH_PACKAGES ?? 2000);
const packageKb = Number(process.env.BENCH_PACKAGE_KB ?? 1024);
const clients = 50;
const requestsPerClient = 40;
const targets = { publishRssGrowthMb: 100, conditionalP95Ms: 20 };
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
    serve,
    targets: [
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
