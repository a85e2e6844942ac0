/**
 * `npm run bench:git`: the git-hosting performance targets of issue 3, measured in one run.
 *
 *   1. a generated repository (~20,000 commits, ~200 MB packed; `git fast-import`) in a Rookery
 *      org of a fresh database, commit-graph written (`writeCommitGraph`);
 *   2. clone through Rookery (production build, `scripts/start.ts`, token auth) vs. clone from
 *      a bare `git http-backend` behind a minimal Node HTTP server (no auth) serving the same
 *      directory, alternated → medians (target: Rookery ≤ 1.15 × raw);
 *   3. 50 concurrent `git ls-remote` with a token → p95 (target < 200 ms);
 *   4. tree and commit-list pages of the repository, logged in, 10 concurrent clients → p95
 *      (target < 200 ms);
 *   5. RSS of the portal's Node processes (wrapper, primary, web processes; not the git
 *      processes they spawn) sampled during a ~500 MB push → growth (target < 100 MB).
 *
 * Writes bench/results/git-<date>.json and bench/results/git-latest.md, prints the summary.
 *   BENCH_COMMITS=20000      commits in the generated history
 *   BENCH_CLONES=3           clones per side
 *   BENCH_PUSH_MB=500        size of the pushed branch
 *   BENCH_BUILD=1            rebuild .next-gitbench even if a build exists
 * Exit code 1 when a target is missed. Not part of `npm test`.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { createToken } from "@/server/auth/tokens";
import { loadConfig } from "@/server/config";
import { writeCommitGraph } from "@/server/git/plumbing/browse";
import { runGit, spawnGit } from "@/server/git/plumbing/cli";
import type { Subprocess } from "@/server/git/plumbing/spawner";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { createRepository } from "@/server/git/manage";
import { gitRoot } from "@/server/git/paths";
import { createOrg } from "@/server/orgs";
import { runMigrations } from "@/server/runtime/database";
import { createLocalUser } from "@/server/users";
import { startPortal, type Portal } from "@/test/support/portal";
import { createDatabase, dropDatabase, testPostgres } from "@/test/support/postgres";
import { generateHistory, generateUpload, packedBytes } from "./git-repos";
import { buildPortal, Client, finishBench, median, stats, timed, type Stats } from "./lib";

const distDir = ".next-gitbench";
const ORG = "gitbench";
const REPO = "big";
const USER = "gitbench";
const password = "Bench-password-2026";
const MB = 2 ** 20;
const commits = Number(process.env.BENCH_COMMITS ?? 20_000);
const clones = Number(process.env.BENCH_CLONES ?? 3);
const pushMb = Number(process.env.BENCH_PUSH_MB ?? 500);
const lsRemoteClients = 50;
const lsRemoteRounds = 3;
const pageClients = 10;
const pageRequestsPerClient = 20; // per page: 10 × 20 = 200 requests of each page
const targets = { cloneRatio: 1.15, rssGrowthMb: 100, lsRemoteP95Ms: 200, pageP95Ms: 200 };

const log = (line: string) => console.error(`[bench:git] ${line}`);
const cleanups: (() => Promise<unknown>)[] = [];
const children = new Set<ChildProcess | Subprocess>();
const load = () => Math.round(os.loadavg()[0] * 100) / 100;
const round1 = (n: number) => Math.round(n * 10) / 10;

// ---------------------------------------------------------------- git clients

/** Runs a real git client; resolves with its wall time (spawn → exit) and output. */
function git(args: string[], opts: { cwd?: string } = {}): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawnGit(args, { cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (c: Buffer) => out.push(c));
    child.stderr!.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      children.delete(child);
      const ms = performance.now() - t;
      if (code !== 0)
        reject(new Error(`git ${args.filter((a) => !a.includes("rky_")).join(" ")} failed (${code}): ${Buffer.concat(err).toString().trim().slice(-400)}`));
      else resolve({ ms, stdout: Buffer.concat(out).toString() });
    });
  });
}

// ---------------------------------------------------------------- the raw http-backend server

/** The baseline: `git http-backend` behind node:http, no auth, same project root and settings as Rookery's. */
async function startRawServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://raw");
    const child = spawnGit(["http-backend"], {
      stdio: ["pipe", "pipe", "inherit"],
      env: {
        GIT_PROJECT_ROOT: gitRoot(),
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
        PATH_INFO: decodeURIComponent(url.pathname),
        REQUEST_METHOD: req.method ?? "GET",
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
        GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
        REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
      },
    });
    children.add(child);
    child.on("close", () => children.delete(child));
    child.stdin!.on("error", () => {});
    req.pipe(child.stdin!);
    res.on("close", () => child.kill("SIGTERM"));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      child.stdout!.off("data", onData);
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = parseInt(value, 10) || 200;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
      child.stdout!.pipe(res);
    };
    child.stdout!.on("data", onData);
    child.stdout!.on("end", () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---------------------------------------------------------------- RSS of the portal's processes

type Proc = { pid: number; ppid: number; comm: string };

function processTable(): Proc[] {
  const out: Proc[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      out.push({ pid: Number(entry), ppid, comm });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The portal's Node processes: the spawned wrapper and every node descendant reached without
 * passing through another program (git http-backend and what it runs, hooks included, are
 * git's memory, reported apart).
 */
function sampleRss(rootPid: number) {
  const table = processTable();
  const kids = new Map<number, Proc[]>();
  for (const p of table) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const portal: Record<number, number> = {};
  let gitKb = 0;
  const walk = (pid: number, inPortal: boolean) => {
    for (const child of kids.get(pid) ?? []) {
      const node = inPortal && child.comm.startsWith("node");
      if (node) portal[child.pid] = rssKb(child.pid);
      else gitKb += rssKb(child.pid);
      walk(child.pid, node);
    }
  };
  portal[rootPid] = rssKb(rootPid);
  walk(rootPid, true);
  return { totalKb: Object.values(portal).reduce((a, b) => a + b, 0), perProcessKb: portal, otherKb: gitKb };
}

// ---------------------------------------------------------------- phases

async function setup(adminUrl: string, tmp: string) {
  const db = await createDatabase(adminUrl, "rookery_gitbench");
  cleanups.unshift(() => dropDatabase(adminUrl, db.name));
  await runMigrations(db.url);
  Object.assign(process.env, { DATABASE_URL: db.url, ROOKERY_DATA_DIR: path.join(tmp, "data") });
  loadConfig();
  await ensureInfrastructureOrg(getDb());
  const user = await createLocalUser(getDb(), { username: USER, password, displayName: "Git Bench" });
  const org = await createOrg(getDb(), { name: "Git Bench", slug: ORG, source: "local", members: [{ userId: user.id, role: "leader" }] });
  const repo = await createRepository(getDb(), org, { name: REPO, defaultBranch: "main", description: "Generated benchmark history" });
  const { token } = await createToken(getDb(), { userId: user.id, name: "bench", scope: "write", expiresAt: null });
  await closeDb();
  return { dbUrl: db.url, repo, token };
}

async function cloneBench(rookeryUrl: string, rawUrl: string, tmp: string) {
  const dest = path.join(tmp, "clone.git");
  const clone = async (url: string) => {
    fs.rmSync(dest, { recursive: true, force: true });
    const { ms } = await git(["clone", "--bare", "--quiet", url, dest]);
    const count = (await runGit(["rev-list", "--count", "main"], { cwd: dest })).stdout.trim();
    if (Number(count) !== commits) throw new Error(`clone of ${url.replace(/rky_[^@]+/, "…")} has ${count} commits, expected ${commits}`);
    const bytes = packedBytes(dest);
    fs.rmSync(dest, { recursive: true, force: true });
    return { ms: Math.round(ms), bytes };
  };
  const rookery: number[] = [];
  const raw: number[] = [];
  let bytes = 0;
  for (let i = 0; i < clones; i++) {
    // Alternate who goes first, so neither side always follows the other's page-cache and CPU state.
    const order = i % 2 === 0 ? (["rookery", "raw"] as const) : (["raw", "rookery"] as const);
    for (const side of order) {
      const r = await clone(side === "rookery" ? rookeryUrl : rawUrl);
      (side === "rookery" ? rookery : raw).push(r.ms);
      bytes = r.bytes;
      log(`clone ${i + 1} through ${side}: ${r.ms} ms (load ${load()})`);
    }
  }
  const ratio = Math.round((median(rookery) / median(raw)) * 1000) / 1000;
  return { clonedPackBytes: bytes, rookeryMs: rookery, rawMs: raw, rookeryMedianMs: median(rookery), rawMedianMs: median(raw), ratio };
}

async function lsRemoteBench(rookeryUrl: string, rawUrl: string) {
  const burst = async (url: string, n: number) => {
    const results = await Promise.all(
      Array.from({ length: n }, async () => {
        const { ms, stdout } = await git(["ls-remote", url]);
        if (!stdout.includes("refs/heads/main")) throw new Error("ls-remote did not list refs/heads/main");
        return ms;
      }),
    );
    return results;
  };
  await burst(rookeryUrl, 10); // warm-up
  const rounds: Stats[] = [];
  const all: number[] = [];
  for (let i = 0; i < lsRemoteRounds; i++) {
    const loadBefore = load();
    const [samples, wallMs] = await timed(() => burst(rookeryUrl, lsRemoteClients));
    all.push(...samples);
    rounds.push(stats(samples));
    log(
      `${lsRemoteClients} concurrent ls-remote, round ${i + 1}: p50 ${rounds[i].p50} ms, p95 ${rounds[i].p95} ms, all done in ${wallMs} ms (load before ${loadBefore})`,
    );
  }
  await burst(rawUrl, 10);
  const raw = stats(await burst(rawUrl, lsRemoteClients));
  log(`${lsRemoteClients} concurrent ls-remote against the raw http-backend: p50 ${raw.p50} ms, p95 ${raw.p95} ms`);
  return { clients: lsRemoteClients, rounds, all: stats(all), raw };
}

async function pageBench(portal: Portal, headSubject: string) {
  const sessions = Array.from({ length: pageClients }, () => new Client(portal.url, USER, password));
  for (const s of sessions) await s.login(); // one after another: a burst of scrypt would only time the login
  const base = `/orgs/${ORG}/repos/${REPO}`;
  const tree = (s: Client) => s.page(`${base}/tree/main`, "README.md");
  const commitsPage = (s: Client) => s.page(`${base}/commits/main`, headSubject.replace(/&/g, "&amp;"));
  const samples = { tree: [] as number[], commits: [] as number[] };
  for (const s of sessions.slice(0, 2)) for (let i = 0; i < 3; i++) await Promise.all([tree(s), commitsPage(s)]); // warm-up
  const single = { tree: [] as number[], commits: [] as number[] };
  for (let i = 0; i < 10; i++) {
    single.tree.push(await tree(sessions[0]));
    single.commits.push(await commitsPage(sessions[0]));
  }
  const loadBefore = load();
  const [, wallMs] = await timed(() =>
    Promise.all(
      sessions.map(async (s) => {
        for (let i = 0; i < pageRequestsPerClient; i++) {
          samples.tree.push(await tree(s));
          samples.commits.push(await commitsPage(s));
        }
      }),
    ),
  );
  const result = {
    clients: pageClients,
    requestsPerPage: samples.tree.length,
    wallMs,
    throughputRps: round1(((samples.tree.length + samples.commits.length) / wallMs) * 1000),
    tree: stats(samples.tree),
    commits: stats(samples.commits),
    singleClient: { tree: stats(single.tree), commits: stats(single.commits) },
    loadBefore,
  };
  log(
    `pages, ${pageClients} clients: tree p95 ${result.tree.p95} ms, commits p95 ${result.commits.p95} ms, ${result.throughputRps} req/s; alone: tree p50 ${result.singleClient.tree.p50} ms, commits p50 ${result.singleClient.commits.p50} ms`,
  );
  return result;
}

async function pushBench(portal: Portal, rookeryUrl: string, uploadDir: string) {
  const rootPid = portal.proc.pid!;
  const series: { t: number; totalKb: number; otherKb: number }[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < 20; i++) {
    baseline.push(sampleRss(rootPid).totalKb);
    await new Promise((r) => setTimeout(r, 100));
  }
  const before = sampleRss(rootPid);
  const baselineKb = median(baseline);
  let peak = before;
  const t0 = performance.now();
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const s = sampleRss(rootPid);
      series.push({ t: Math.round(performance.now() - t0), totalKb: s.totalKb, otherKb: s.otherKb });
      if (s.totalKb > peak.totalKb) peak = s;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const loadBefore = load();
  let pushMs: number;
  try {
    ({ ms: pushMs } = await git(["push", "--quiet", rookeryUrl, "refs/heads/upload:refs/heads/upload"], { cwd: uploadDir }));
  } finally {
    done = true;
    await sampler;
  }
  const after = sampleRss(rootPid);
  const pushed = (await runGit(["rev-parse", "refs/heads/upload"], { cwd: uploadDir })).stdout.trim();
  const landed = (await runGit(["rev-parse", "refs/heads/upload"], { cwd: path.join(gitRoot(), ORG, `${REPO}.git`), allowFailure: true })).stdout.trim();
  if (landed !== pushed) throw new Error(`the push did not land: upload is ${landed || "missing"} on the server, ${pushed} locally`);
  const mb = (kb: number) => round1(kb / 1024);
  const perProcess = Object.fromEntries(
    Object.keys(peak.perProcessKb).map((pid) => [pid, { beforeMb: mb(before.perProcessKb[Number(pid)] ?? 0), peakMb: mb(peak.perProcessKb[Number(pid)]) }]),
  );
  const result = {
    pushedBytes: packedBytes(uploadDir),
    pushMs: Math.round(pushMs),
    throughputMBps: round1(packedBytes(uploadDir) / MB / (pushMs / 1000)),
    portalProcesses: Object.keys(before.perProcessKb).length,
    baselineMb: mb(baselineKb),
    peakMb: mb(peak.totalKb),
    afterMb: mb(after.totalKb),
    growthMb: mb(peak.totalKb - baselineKb),
    perProcessAtPortalPeak: perProcess,
    gitProcessesPeakMb: mb(Math.max(0, ...series.map((s) => s.otherKb))),
    samples: series.length,
    loadBefore,
  };
  log(
    `push of ${mb(result.pushedBytes / 1024)} MB in ${result.pushMs} ms: portal RSS ${result.baselineMb} → peak ${result.peakMb} MB (+${result.growthMb} MB) over ${result.portalProcesses} Node processes; git processes peaked at ${result.gitProcessesPeakMb} MB`,
  );
  return result;
}

// ---------------------------------------------------------------- report

type Results = Awaited<ReturnType<typeof main>>;

function markdown(r: Results) {
  const ok = (pass: boolean) => (pass ? "yes" : "**NO**");
  const row = (name: string, s: Stats) => `| ${name} | ${s.count} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.mean} | ${s.max} |`;
  const head = ["| | Samples | p50 ms | p95 ms | p99 ms | mean ms | max ms |", "|---|---|---|---|---|---|---|"];
  return [
    `# Git hosting benchmark ${r.date}`,
    "",
    `${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB RAM, Node ${r.machine.node}, ${r.machine.git}; portal: production build, ${r.machine.webProcesses} web processes.`,
    `Load average (1 min): ${r.loadAverage.start} at the start, ${r.loadAverage.end} at the end (other work was running on the machine).`,
    "",
    "| Target | Measured | Limit | Met |",
    "|---|---|---|---|",
    ...r.targets.map((t) => `| ${t.name} | ${t.value} ${t.unit} | ${t.limit} ${t.unit} | ${ok(t.pass)} |`),
    "",
    "## Repository",
    "",
    `${r.repository.commits} commits, ${r.repository.files} files at the tip plus ${r.repository.binaries} incompressible binaries in history, ${round1(r.repository.packedBytes / MB)} MB packed (generated with \`git fast-import\` in ${round1(r.repository.generateMs / 1000)} s). Commit-graph with changed-path Bloom filters written by \`writeCommitGraph\` in ${r.repository.commitGraphMs} ms.`,
    "",
    `## Clone (\`git clone --bare\` over HTTP, ${round1(r.clone.clonedPackBytes / MB)} MB received, alternated)`,
    "",
    `- through Rookery (token, policy, limiter, Next route): ${r.clone.rookeryMs.join(", ")} ms — median **${r.clone.rookeryMedianMs} ms**`,
    `- raw \`git http-backend\` behind node:http: ${r.clone.rawMs.join(", ")} ms — median **${r.clone.rawMedianMs} ms**`,
    `- ratio **${r.clone.ratio}** (target ≤ ${targets.cloneRatio})`,
    "",
    `## ${r.lsRemote.clients} concurrent \`git ls-remote\` (real git processes, token auth; spawn → exit)`,
    "",
    ...head,
    ...r.lsRemote.rounds.map((s, i) => row(`Rookery, round ${i + 1}`, s)),
    row("Rookery, all rounds", r.lsRemote.all),
    row("raw http-backend (context)", r.lsRemote.raw),
    "",
    `## Pages (${r.pages.clients} logged-in clients back to back, ${r.pages.requestsPerPage} requests of each page, whole HTML body)`,
    "",
    ...head,
    row("Tree `/orgs/<o>/repos/<r>/tree/main`", r.pages.tree),
    row("Commits `/orgs/<o>/repos/<r>/commits/main`", r.pages.commits),
    row("Tree, one client alone", r.pages.singleClient.tree),
    row("Commits, one client alone", r.pages.singleClient.commits),
    "",
    `${r.pages.throughputRps} requests/s; load average before: ${r.pages.loadBefore}.`,
    "",
    `## Push of ${round1(r.push.pushedBytes / MB)} MB (incompressible, token auth)`,
    "",
    `- took ${round1(r.push.pushMs / 1000)} s (${r.push.throughputMBps} MB/s)`,
    `- RSS of the portal's ${r.push.portalProcesses} Node processes (wrapper, primary, web processes; VmRSS summed, sampled every 100 ms): ${r.push.baselineMb} MB before, peak **${r.push.peakMb} MB** (+${r.push.growthMb} MB), ${r.push.afterMb} MB after`,
    `- the git processes doing the work (http-backend, receive-pack, index-pack, hooks) peaked at ${r.push.gitProcessesPeakMb} MB together (not counted above)`,
    "",
    `Total run ${Math.round(r.totalMs / 1000)} s${r.buildMs ? ` (\`next build\` ${Math.round(r.buildMs / 1000)} s)` : ""}. Raw numbers: \`bench/results/${r.file}\`.`,
    "",
  ].join("\n");
}

async function main() {
  const started = new Date();
  const loadAtStart = load();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-gitbench-"));
  cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  const logFile = path.join(tmp, "portal.log");

  const pg = await testPostgres();
  cleanups.push(pg.stop);
  const { dbUrl, token } = await setup(pg.adminUrl, tmp);
  const dir = path.join(gitRoot(), ORG, `${REPO}.git`);

  log(`generating ${commits} commits into ${dir}`);
  const [history, generateMs] = await timed(() => generateHistory(dir, { commits, binaryTotal: (155 * MB * commits) / 20_000, binaryBytes: 4.5 * MB }));
  log(`${history.commits} commits, ${round1(history.packedBytes / MB)} MB packed in ${generateMs} ms`);
  const [, commitGraphMs] = await timed(() => writeCommitGraph(dir));
  log(`writeCommitGraph: ${commitGraphMs} ms`);
  const headSubject = (await runGit(["log", "-1", "--format=%s", "main"], { cwd: dir })).stdout.trim();

  const uploadDir = path.join(tmp, "upload.git");
  log(`generating a ${pushMb} MB branch to push`);
  const [upload, uploadMs] = await timed(() => generateUpload(uploadDir, "upload", { files: Math.round(pushMb / 10), fileBytes: 10 * MB }));
  log(`${round1(upload.packedBytes / MB)} MB in ${uploadMs} ms`);

  const buildMs = buildPortal(distDir, path.join(tmp, "build.log"), log);
  const raw = await startRawServer();
  cleanups.unshift(raw.close);
  log("starting the portal");
  const portal = await startPortal(
    {
      NEXT_DIST_DIR: distDir,
      ROOKERY_DATA_DIR: process.env.ROOKERY_DATA_DIR,
      DATABASE_URL: dbUrl,
      ROOKERY_INPROCESS_WORKERS: "true",
      GIT_MAX_PUSH_MB: String(pushMb * 2),
      NEXT_TELEMETRY_DISABLED: "1",
    },
    { logFile },
  );
  cleanups.unshift(portal.stop);
  const webProcesses = Number(process.env.WEB_CONCURRENCY ?? Math.max(1, Math.min(os.availableParallelism(), 4)));
  const rookeryUrl = `${portal.url.replace("http://", `http://${USER}:${token}@`)}/git/${ORG}/${REPO}.git`;
  const rawUrl = `${raw.url}/${ORG}/${REPO}.git`;

  try {
    await git(["ls-remote", rookeryUrl]); // loads the route
    const clone = await cloneBench(rookeryUrl, rawUrl, tmp);
    const lsRemote = await lsRemoteBench(rookeryUrl, rawUrl);
    const pages = await pageBench(portal, headSubject);
    const push = await pushBench(portal, rookeryUrl, uploadDir);

    const file = `git-${started.toISOString().replace(/:/g, "-").replace(/\..*/, "")}.json`;
    const pageP95 = Math.max(pages.tree.p95, pages.commits.p95);
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
        git: (await runGit(["--version"])).stdout.trim(),
        webProcesses,
      },
      loadAverage: { start: loadAtStart, end: load() },
      repository: { ...history, generateMs, commitGraphMs, upload: { ...upload, generateMs: uploadMs } },
      clone,
      lsRemote,
      pages,
      push,
      targets: [
        {
          name: "Clone through Rookery ÷ raw http-backend (medians)",
          value: clone.ratio,
          unit: "×",
          limit: targets.cloneRatio,
          pass: clone.ratio <= targets.cloneRatio,
        },
        {
          name: `Portal RSS growth during a ${pushMb} MB push`,
          value: push.growthMb,
          unit: "MB",
          limit: targets.rssGrowthMb,
          pass: push.growthMb < targets.rssGrowthMb,
        },
        {
          name: `${lsRemoteClients} concurrent \`git ls-remote\`, p95 (all rounds)`,
          value: lsRemote.all.p95,
          unit: "ms",
          limit: targets.lsRemoteP95Ms,
          pass: lsRemote.all.p95 < targets.lsRemoteP95Ms,
        },
        { name: "Tree and commit-list pages, p95 (worse of the two)", value: pageP95, unit: "ms", limit: targets.pageP95Ms, pass: pageP95 < targets.pageP95Ms },
      ],
    };
  } catch (e) {
    log(`portal log: ${fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n") : "(none)"}`);
    throw e;
  }
}

async function cleanup() {
  for (const child of children) child.kill("SIGKILL");
  for (const c of cleanups) await c().catch((e) => log(`cleanup: ${e instanceof Error ? e.message : e}`));
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });

finishBench(main(), { latest: "git-latest.md", markdown, cleanup, log });
