/**
 * `npm run bench:mr`: the merge request performance targets of issue 4, measured on the
 * domain code (real PostgreSQL, real git, real pg-boss worker; no web server):
 *
 *   1. merge (merge commit, checks included) of an MR into a ~20,000-commit repository
 *      → each of BENCH_MERGES merges (target < 1 s);
 *   2. after a push to develop, mergeability of 100 open MRs recomputed by the mr-refresh
 *      job (target < 10 s);
 *   3. the Changes tab's data for a 500-file, 20,000-line diff (the `changes` query: diff,
 *      threads, deferral of large and late files) → p95 of 20 calls (target < 500 ms; the
 *      page's own render is not included).
 *
 * Writes bench/results/mr-<date>.json and bench/results/mr-latest.md. Not part of `npm test`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, count, eq, inArray, ne, or } from "drizzle-orm";
import { closeDb, getDb } from "@/db/client";
import { mergeRequests } from "@/db/schema";
import { loadConfig } from "@/server/config";
import { writeCommitGraph } from "@/server/git/plumbing/browse";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { createRepository } from "@/server/git/manage";
import { repoDir } from "@/server/git/paths";
import { getRepo } from "@/server/git/repos";
import { queues, stopBoss } from "@/server/jobs";
import { afterRefsMoved, createMergeRequest, getMergeRequest } from "@/server/mergerequests";
import { changesOf } from "@/server/mergerequests/changes";
import { mergeMergeRequest } from "@/server/mergerequests/merge";
import { approve } from "@/server/mergerequests/review";
import { addMember, createOrg } from "@/server/orgs";
import { runMigrations } from "@/server/runtime/database";
import { createLocalUser, type User } from "@/server/users";
import { startJobWorker } from "@/test/support/job-worker";
import { createDatabase, dropDatabase, testPostgres } from "@/test/support/postgres";
import { generateHistory } from "./git-repos";
import { finishBench, stats, timed, type Stats } from "./lib";

const commits = Number(process.env.BENCH_COMMITS ?? 20_000);
const merges = Number(process.env.BENCH_MERGES ?? 10);
const openMrs = 100;
const targets = { mergeMs: 1000, refreshMs: 10_000, changesP95Ms: 500 };
const ORG = "mrbench";
const REPO = "big";
const log = (line: string) => console.error(`[bench:mr] ${line}`);
const cleanups: (() => Promise<unknown>)[] = [];

type Result = {
  file: string;
  startedAt: string;
  commits: number;
  merge: Stats;
  refresh: { mrs: number; ms: number };
  changes: { files: number; lines: number; deferredFiles: number; stats: Stats };
  targets: { name: string; value: number; target: number; pass: boolean }[];
};

async function main(): Promise<Result> {
  const started = new Date();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-mrbench-"));
  cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  const pg = await testPostgres();
  cleanups.push(pg.stop);
  const dbInfo = await createDatabase(pg.adminUrl, "rookery_mrbench");
  cleanups.unshift(() => dropDatabase(pg.adminUrl, dbInfo.name));
  await runMigrations(dbInfo.url);
  Object.assign(process.env, { DATABASE_URL: dbInfo.url, ROOKERY_DATA_DIR: path.join(tmp, "data"), AUTH_SECRET: "b".repeat(40) });
  loadConfig();
  cleanups.unshift(async () => {
    await stopBoss();
    await closeDb();
  });
  const db = getDb();
  await ensureInfrastructureOrg(db);
  const lead = await createLocalUser(db, { username: "bench-lead", password: "Bench-password-2026", displayName: "Bench Lead" });
  const dev = await createLocalUser(db, { username: "bench-dev", password: "Bench-password-2026", displayName: "Bench Dev" });
  const org = await createOrg(db, { name: "MR Bench", slug: ORG, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db, org.id, "bench-dev", "developer");
  await createRepository(db, org, { name: REPO, defaultBranch: "develop" });
  const repo = (await getRepo(db, ORG, REPO))!;
  const dir = repoDir(ORG, REPO);

  log(`generating ${commits} commits`);
  await generateHistory(dir, { commits, binaryTotal: 0, binaryBytes: 1 });
  await runGit(["update-ref", "refs/heads/develop", "refs/heads/main"], { cwd: dir });
  const head = async (b: string) => (await runGit(["rev-parse", `refs/heads/${b}`], { cwd: dir })).stdout.trim();
  const feature = async (name: string, files: Record<string, string>) =>
    commitFiles(dir, { branch: name, parent: await head("develop"), files, message: `work on ${name}` });
  const openMr = async (user: User, branch: string) =>
    createMergeRequest(db, repo, dir, user, { title: branch, description: "", sourceBranch: branch, targetBranch: "develop", reviewers: [] });

  // 1. merges into the big repository
  const mergeMs: number[] = [];
  for (let i = 0; i < merges; i++) {
    const sha = await feature(`feature/m${i}`, { [`merge/m${i}.txt`]: `${i}\n` });
    const mr = await openMr(dev, `feature/m${i}`);
    await approve(db, repo, mr, lead, sha);
    const [, ms] = await timed(() => mergeMergeRequest(db, repo, mr.id, lead, { method: "merge", deleteSource: false, expectedHeadSha: sha }));
    mergeMs.push(ms);
  }
  const merge = stats(mergeMs);
  log(`merge: p50 ${merge.p50} ms, max ${merge.max} ms`);

  // 2. 100 open MRs recomputed after a push to develop
  const ids: string[] = [];
  for (let i = 0; i < openMrs; i++) {
    await feature(`feature/o${i}`, { [`open/o${i}.txt`]: `${i}\n` });
    ids.push((await openMr(dev, `feature/o${i}`)).id);
  }
  const worker = await startJobWorker([queues.mrRefresh]);
  cleanups.unshift(() => worker.stop());
  // Let the worker drain the refreshes queued by opening, and write the commit-graph as the housekeeping job does after pushes.
  const pending = async (base?: string) =>
    (
      await db
        .select({ n: count() })
        .from(mergeRequests)
        .where(and(inArray(mergeRequests.id, ids), or(eq(mergeRequests.mergeability, "checking"), base ? ne(mergeRequests.baseSha, base) : undefined)))
    )[0].n;
  const [, drainMs] = await timed(async () => {
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 250));
  });
  log(`initial refresh of ${openMrs} MRs (one job each): ${drainMs} ms`);
  await writeCommitGraph(dir);
  const before = await head("develop");
  const after = await commitFiles(dir, { branch: "develop", parent: before, files: { "pushed.txt": "x\n" }, message: "a push to develop" });
  const t0 = performance.now();
  await afterRefsMoved(db, repo.id, ["refs/heads/develop"]);
  while ((await pending(after)) > 0) {
    if (performance.now() - t0 > 120_000) throw new Error("refresh did not finish within 120 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  const refreshMs = Math.round(performance.now() - t0);
  log(`refresh of ${openMrs} MRs: ${refreshMs} ms`);

  // 3. the Changes tab's data for a 500-file, 20,000-line diff
  const files: Record<string, string> = {};
  for (let i = 0; i < 500; i++)
    files[`changes/f${String(i).padStart(3, "0")}.txt`] = Array.from({ length: 40 }, (_, j) => `file ${i} line ${j}`).join("\n") + "\n";
  await feature("feature/huge", files);
  const huge = await openMr(dev, "feature/huge");
  const samples: number[] = [];
  let last: Awaited<ReturnType<typeof changesOf>> | null = null;
  for (let i = 0; i < 20; i++) {
    const [data, ms] = await timed(() => changesOf(db, dir, huge));
    last = data;
    samples.push(ms);
  }
  const changes = stats(samples);
  const diffFiles = last!.diff!.files;
  log(`changes: p95 ${changes.p95} ms (${diffFiles.length} files, ${diffFiles.filter((f) => f.deferred).length} deferred)`);
  if (!(await getMergeRequest(db, repo.id, huge.number))) throw new Error("lost the MR");

  return {
    file: `mr-${started.toISOString().slice(0, 10)}.json`,
    startedAt: started.toISOString(),
    commits,
    merge,
    refresh: { mrs: openMrs, ms: refreshMs },
    changes: { files: diffFiles.length, lines: last!.diff!.additions, deferredFiles: diffFiles.filter((f) => f.deferred).length, stats: changes },
    targets: [
      { name: "merge into a 20,000-commit repository, slowest (ms)", value: merge.max, target: targets.mergeMs, pass: merge.max < targets.mergeMs },
      { name: `mergeability of ${openMrs} MRs after a push (ms)`, value: refreshMs, target: targets.refreshMs, pass: refreshMs < targets.refreshMs },
      {
        name: "Changes tab data, 500 files / 20,000 lines, p95 (ms)",
        value: changes.p95,
        target: targets.changesP95Ms,
        pass: changes.p95 < targets.changesP95Ms,
      },
    ],
  };
}

finishBench(main(), {
  latest: "mr-latest.md",
  log,
  cleanup: async () => {
    for (const c of cleanups) await c().catch(() => {});
  },
  markdown: (r) =>
    [
      `# Merge request benchmark (${r.startedAt})`,
      "",
      `${r.commits} commits in the repository; ${r.merge.count} merges; ${r.refresh.mrs} open MRs; a ${r.changes.files}-file, ${r.changes.lines}-line diff (${r.changes.deferredFiles} files deferred).`,
      "",
      "| target | value | limit | |",
      "| --- | --- | --- | --- |",
      ...r.targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.pass ? "pass" : "MISSED"} |`),
      "",
    ].join("\n"),
});
