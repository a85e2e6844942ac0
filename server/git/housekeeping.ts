import fs from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { repoHousekeeping, repositories, users } from "@/db/schema";
import { getBoss, queues, sendJob, type JobData, type JobInput } from "@/server/jobs";
import { writeCommitGraph } from "./plumbing/browse";
import { runGit } from "./plumbing/cli";
import { repoExists } from "./materialize";
import { repoDir } from "./paths";
import { getRepoById } from "./repos";

/**
 * Repository housekeeping (GitLab's, in small): remove what killed pushes leave behind,
 * let git decide whether the repository needs repacking (`git gc --auto`), and refresh the
 * commit-graph. Runs daily for every repository, after pushes, and on an admin's request;
 * the last run of each repository is kept in repo_housekeeping.
 */

/** Quarantine directories and pack temporaries untouched for this long belong to no live push. */
export const TEMPORARY_MAX_AGE_MS = 60 * 60 * 1000;

export type HousekeepingJob = JobInput<typeof queues.gitHousekeeping>;

export type HousekeepingRun = typeof repoHousekeeping.$inferSelect;

/** Disk usage of a file tree in bytes, as du counts it (allocated blocks). Entries vanishing meanwhile count as 0. */
export async function diskUsage(p: string): Promise<number> {
  const st = await fs.lstat(p).catch(() => null);
  if (!st) return 0;
  let total = st.blocks * 512;
  if (st.isDirectory()) {
    for (const name of await fs.readdir(p).catch(() => [])) total += await diskUsage(path.join(p, name));
  }
  return total;
}

/** The newest modification time in a tree: a push still receiving keeps writing its pack file deep inside. */
async function newestMtime(p: string): Promise<number> {
  const st = await fs.lstat(p).catch(() => null);
  if (!st) return 0;
  let newest = st.mtimeMs;
  if (st.isDirectory()) {
    for (const name of await fs.readdir(p).catch(() => [])) newest = Math.max(newest, await newestMtime(path.join(p, name)));
  }
  return newest;
}

/**
 * Removes `objects/tmp_objdir-incoming-*` (git's quarantine of a push, normally removed by
 * receive-pack itself) and `objects/pack/tmp_*` that nothing has written to for an hour.
 * Returns how many were removed.
 */
export async function pruneStaleTemporaries(dir: string, now = Date.now()): Promise<number> {
  const cutoff = now - TEMPORARY_MAX_AGE_MS;
  const objects = path.join(dir, "objects");
  const candidates = [
    ...(await fs.readdir(objects).catch(() => [])).filter((n) => n.startsWith("tmp_objdir-incoming-")).map((n) => path.join(objects, n)),
    ...(await fs.readdir(path.join(objects, "pack")).catch(() => [])).filter((n) => n.startsWith("tmp_")).map((n) => path.join(objects, "pack", n)),
  ];
  let removed = 0;
  for (const p of candidates) {
    const newest = await newestMtime(p);
    if (newest === 0 || newest >= cutoff) continue;
    await fs.rm(p, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * gc in the foreground, so the run's duration and bytes reclaimed include the repack; and
 * without its own commit-graph, which would lack the changed-path filters writeCommitGraph adds.
 * In the environment rather than `-c`, so errors name `git gc`.
 */
const gcConfig = {
  GIT_CONFIG_COUNT: "2",
  GIT_CONFIG_KEY_0: "gc.autoDetach",
  GIT_CONFIG_VALUE_0: "false",
  GIT_CONFIG_KEY_1: "gc.writeCommitGraph",
  GIT_CONFIG_VALUE_1: "false",
};

/** The git-housekeeping job: one repository. Records the run; a failed run is recorded, then thrown so the job shows as failed. */
export async function housekeepRepo(db: DbOrTx, input: JobData<typeof queues.gitHousekeeping>): Promise<HousekeepingRun | null> {
  const repo = await getRepoById(db, input.repoId);
  if (!repo) return null;
  const dir = repoDir(repo.orgSlug, repo.name);
  // Never used yet: created on first use (ensureRepoOnDisk), nothing to clean.
  if (!repoExists(dir)) return null;

  const startedAt = new Date();
  const bytesBefore = await diskUsage(dir);
  let temporariesRemoved = 0;
  let error: string | null = null;
  try {
    temporariesRemoved = await pruneStaleTemporaries(dir);
    await runGit(["gc", "--auto", "--quiet"], { cwd: dir, env: gcConfig });
    await writeCommitGraph(dir);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const finishedAt = new Date();
  const run = {
    trigger: input.trigger,
    triggeredBy: input.triggeredBy ?? null,
    status: error ? ("failed" as const) : ("ok" as const),
    error,
    startedAt,
    finishedAt,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    bytesBefore,
    bytesAfter: await diskUsage(dir),
    temporariesRemoved,
  };
  const [row = null] = await db
    .insert(repoHousekeeping)
    .values({ repoId: repo.id, ...run })
    .onConflictDoUpdate({ target: repoHousekeeping.repoId, set: run })
    .returning()
    .catch((e: unknown) => {
      // the repository was deleted while we worked: nothing to record
      if ((e as { cause?: { code?: string } }).cause?.code === "23503") return [];
      throw e;
    });
  if (error) throw new Error(`housekeeping of ${repo.orgSlug}/${repo.name}: ${error}`);
  return row;
}

/** Queues housekeeping of one repository; one waits per repository at most (the queue is stately), so requests never pile up. */
export async function requestHousekeeping(job: HousekeepingJob, retryLimit = 3) {
  return sendJob(queues.gitHousekeeping, job, { singletonKey: job.repoId, retryLimit });
}

/** The daily fan-out: one housekeeping job per repository. */
export async function queueHousekeepingForAll(db: DbOrTx) {
  const rows = await db.select({ id: repositories.id }).from(repositories);
  const boss = await getBoss();
  for (let i = 0; i < rows.length; i += 500) {
    await boss.insert(
      rows.slice(i, i + 500).map((r) => ({
        name: queues.gitHousekeeping.name,
        data: { repoId: r.id, trigger: "schedule" },
        singletonKey: r.id,
        retryLimit: 3,
        retryDelay: 300,
        retryBackoff: true,
      })),
    );
  }
  return { repos: rows.length };
}

/** The last run of a repository, with who asked for it (manual runs). */
export async function lastHousekeeping(db: DbOrTx, repoId: string) {
  const [row] = await db
    .select({ run: repoHousekeeping, triggeredByUsername: users.username })
    .from(repoHousekeeping)
    .leftJoin(users, eq(users.id, repoHousekeeping.triggeredBy))
    .where(eq(repoHousekeeping.repoId, repoId));
  return row ? { ...row.run, triggeredByUsername: row.triggeredByUsername } : null;
}
