import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { startJobWorker } from "@/test/support/job-worker";
import { repositories } from "@/db/schema";
import { createOrg } from "@/server/orgs";
import { loadConfig } from "@/server/config";
import { JobPayloadError, parseJobData, queues, stopBoss, type JobInput } from "@/server/jobs";
import { schedules } from "@/workers/handlers";
import { runGit } from "./plumbing/cli";
import { housekeepRepo, lastHousekeeping, queueHousekeepingForAll } from "./housekeeping";
import { ensureInfrastructureOrg } from "./infrastructure";
import { ensureRepoOnDisk } from "./materialize";
import { getRepo, insertRepo, type RepoWithOrg } from "./repos";

const job = (data: JobInput<typeof queues.gitHousekeeping>) => parseJobData(queues.gitHousekeeping, data);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-housekeeping-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir });
let repo: RepoWithOrg;
let dir: string;

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await createOrg(db(), { name: "keep", source: "local" });
  repo = (await getRepo(db(), "keep", "puppet"))!;
  dir = await ensureRepoOnDisk(db(), repo);
});

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Writes `bytes` of incompressible data at `file` (directories created). */
function plant(file: string, bytes: number) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, randomBytes(bytes));
}

/** Sets the mtime of a tree, all of it, to `when`. */
function age(p: string, when: Date) {
  if (fs.statSync(p).isDirectory()) for (const name of fs.readdirSync(p)) age(path.join(p, name), when);
  fs.utimesSync(p, when, when);
}

function packs() {
  return fs.readdirSync(path.join(dir, "objects/pack")).filter((f) => f.endsWith(".pack"));
}

async function looseObjects() {
  const out = (await runGit(["count-objects", "-v"], { cwd: dir })).stdout;
  return Number(/^count: (\d+)$/m.exec(out)![1]);
}

describe("repository housekeeping", () => {
  it("removes the leftovers of killed pushes older than an hour, repacks as gc --auto decides, writes the commit-graph, and records the run", async () => {
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const objects = path.join(dir, "objects");
    // What a push killed two hours ago leaves: its quarantine (with a pack) and a pack temporary.
    plant(path.join(objects, "tmp_objdir-incoming-x/pack/tmp_pack_abc"), 1024 * 1024);
    age(path.join(objects, "tmp_objdir-incoming-x"), twoHoursAgo);
    plant(path.join(objects, "pack/tmp_pack_old"), 256 * 1024);
    age(path.join(objects, "pack/tmp_pack_old"), twoHoursAgo);
    // A push receiving right now: an old directory whose pack is still being written, and a fresh one.
    plant(path.join(objects, "tmp_objdir-incoming-live/pack/tmp_pack_live"), 4096);
    fs.utimesSync(path.join(objects, "tmp_objdir-incoming-live"), twoHoursAgo, twoHoursAgo);
    plant(path.join(objects, "tmp_objdir-incoming-fresh/pack/tmp_pack_new"), 4096);

    // More packs than gc.autoPackLimit (lowered for the test), and loose objects: gc --auto repacks into one pack.
    const env = { GIT_AUTHOR_NAME: "T", GIT_AUTHOR_EMAIL: "t@x", GIT_COMMITTER_NAME: "T", GIT_COMMITTER_EMAIL: "t@x" };
    for (let batch = 0; batch < 4; batch++) {
      const blobs = [];
      for (let i = 0; i < 5; i++) blobs.push((await runGit(["hash-object", "-w", "--stdin"], { cwd: dir, input: `blob ${batch}.${i}\n` })).stdout.trim());
      const tree = (await runGit(["mktree"], { cwd: dir, input: blobs.map((b, i) => `100644 blob ${b}\tf${i}\n`).join("") })).stdout.trim();
      const commit = (await runGit(["commit-tree", tree, "-m", `batch ${batch}`], { cwd: dir, env })).stdout.trim();
      await runGit(["update-ref", `refs/heads/batch-${batch}`, commit], { cwd: dir });
      if (batch < 3) await runGit(["repack", "-d", "-q"], { cwd: dir });
    }
    await runGit(["config", "gc.autoPackLimit", "2"], { cwd: dir });
    expect(packs().length).toBeGreaterThanOrEqual(3);
    expect(await looseObjects()).toBeGreaterThan(0);
    const graphs = path.join(objects, "info/commit-graphs");
    expect(fs.existsSync(graphs)).toBe(false);

    const before = Date.now();
    const run = (await housekeepRepo(db(), job({ repoId: repo.id, trigger: "manual" })))!;

    expect(fs.existsSync(path.join(objects, "tmp_objdir-incoming-x"))).toBe(false);
    expect(fs.existsSync(path.join(objects, "pack/tmp_pack_old"))).toBe(false);
    expect(fs.existsSync(path.join(objects, "tmp_objdir-incoming-live/pack/tmp_pack_live"))).toBe(true);
    expect(fs.existsSync(path.join(objects, "tmp_objdir-incoming-fresh/pack/tmp_pack_new"))).toBe(true);
    expect(await looseObjects()).toBe(0);
    expect(packs()).toHaveLength(1);
    const graph = fs.readdirSync(graphs).find((f) => f.endsWith(".graph"));
    // with its changed-path Bloom filters (chunk ids BIDX/BDAT)
    expect(fs.readFileSync(path.join(graphs, graph!)).includes("BIDX")).toBe(true);
    const fsck = await runGit(["fsck", "--full", "--no-progress"], { cwd: dir, allowFailure: true });
    expect(fsck.code, fsck.stderr).toBe(0);
    expect(fsck.stderr).not.toMatch(/error|missing|corrupt/i);

    expect(run).toMatchObject({ repoId: repo.id, trigger: "manual", status: "ok", error: null, temporariesRemoved: 2 });
    expect(run.bytesBefore - run.bytesAfter).toBeGreaterThanOrEqual(1024 * 1024 + 256 * 1024);
    expect(run.startedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(run.durationMs).toBe(run.finishedAt.getTime() - run.startedAt.getTime());
    expect(await lastHousekeeping(db(), repo.id)).toEqual({ ...run, triggeredByUsername: null });

    // A second run has nothing left to reclaim and overwrites the record.
    const again = (await housekeepRepo(db(), job({ repoId: repo.id })))!;
    expect(again).toMatchObject({ trigger: "schedule", status: "ok", temporariesRemoved: 0 });
    expect(again.finishedAt.getTime()).toBeGreaterThanOrEqual(run.finishedAt.getTime());
    expect(await lastHousekeeping(db(), repo.id)).toEqual({ ...again, triggeredByUsername: null });
  });

  it("records a failed run with git's message, and fails the job", async () => {
    await runGit(["config", "gc.auto", "lots"], { cwd: dir });
    try {
      await expect(housekeepRepo(db(), job({ repoId: repo.id }))).rejects.toThrow(
        /housekeeping of keep\/puppet: git gc failed .*bad numeric config value 'lots'/,
      );
    } finally {
      await runGit(["config", "--unset", "gc.auto"], { cwd: dir });
    }
    expect(await lastHousekeeping(db(), repo.id)).toMatchObject({ status: "failed", error: expect.stringContaining("gc.auto") });
  });

  it("skips repositories that are unknown or not on disk yet, and refuses malformed jobs", async () => {
    await expect(housekeepRepo(db(), job({ repoId: "00000000-0000-0000-0000-000000000000" }))).resolves.toBeNull();
    const later = await insertRepo(db(), { id: repo.orgId }, { name: "later" });
    expect(fs.existsSync(path.join(dataDir, "git/keep/later.git"))).toBe(false);
    await expect(housekeepRepo(db(), job({ repoId: later.id }))).resolves.toBeNull();
    expect(await lastHousekeeping(db(), later.id)).toBeNull();
    expect(() => parseJobData(queues.gitHousekeeping, { repoId: "not-a-uuid" })).toThrow(JobPayloadError);
    expect(() => parseJobData(queues.gitHousekeeping, { repoId: repo.id, trigger: "whenever" })).toThrow(JobPayloadError);
  });

  it("the daily fan-out queues one job per repository, never two waiting for the same one, and the workers run them", async () => {
    const jobs = async () =>
      [
        ...(await db().execute<{ repo: string }>(
          sql`SELECT data->>'repoId' AS repo FROM pgboss.job WHERE name = ${queues.gitHousekeeping.name} AND state = 'created'`,
        )),
      ].map((r) => r.repo);
    const all = (await db().select({ id: repositories.id }).from(repositories)).map((r) => r.id).sort();
    expect(all.length).toBeGreaterThan(3);

    expect(await queueHousekeepingForAll(db())).toEqual({ repos: all.length });
    expect((await jobs()).sort()).toEqual(all);
    await queueHousekeepingForAll(db());
    expect((await jobs()).sort()).toEqual(all);

    // daily, at the configured time
    expect(schedules()).toContainEqual({ queue: queues.gitHousekeepingDue, cron: "45 4 * * *", data: {} });
    loadConfig({ ...process.env, GIT_HOUSEKEEPING_CRON: "0 1 * * 0" });
    expect(schedules()).toContainEqual({ queue: queues.gitHousekeepingDue, cron: "0 1 * * 0", data: {} });
    loadConfig();

    const previous = (await lastHousekeeping(db(), repo.id))!;
    const worker = await startJobWorker([queues.gitHousekeeping]);
    try {
      await expect.poll(async () => (await jobs()).length, { timeout: 30_000 }).toBe(0);
      await expect
        .poll(async () => (await lastHousekeeping(db(), repo.id))?.finishedAt.getTime(), { timeout: 30_000 })
        .toBeGreaterThan(previous.finishedAt.getTime());
      expect(await lastHousekeeping(db(), repo.id)).toMatchObject({ trigger: "schedule", status: "ok" });
    } finally {
      await worker.stop();
    }
  });
});
