import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { desc, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { backupRuns, users, type BackupError } from "@/db/schema";
import { getConfig } from "@/server/config";
import type { JobData, queues } from "@/server/jobs";
import { gitIn } from "@/server/git/plumbing/simple";
import { repoExists } from "@/server/git/materialize";
import { repoDir } from "@/server/git/paths";
import { listAllRepos } from "@/server/git/repos";

/**
 * Daily backups: `git bundle create --all` of every repository into
 * DATA_DIR/backups/<YYYY-MM-DD>/<org>/<repo>.bundle plus manifest.json (sizes, sha256,
 * what was skipped and why). A day's directory is built aside and swapped in whole, so
 * it always holds one complete run. Days older than BACKUP_RETENTION_DAYS are removed.
 * Restore one with `npm run rookery -- repo:restore <org>/<repo> <bundle>` (restore.ts).
 */
export type BackupRun = typeof backupRuns.$inferSelect;
export type ManifestEntry = {
  org: string;
  repo: string;
  kind: string;
  status: "ok" | "empty" | "not-on-disk" | "error";
  file?: string;
  bytes?: number;
  sha256?: string;
  refs?: number;
  error?: string;
};
export type Manifest = {
  day: string;
  startedAt: string;
  finishedAt: string;
  retentionDays: number;
  totals: { repos: number; backedUp: number; empty: number; failed: number; bytes: number };
  repos: ManifestEntry[];
};

const LOCK_KEY = 727102;
const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    fs.createReadStream(file)
      .on("data", (c) => hash.update(c))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

async function bundleRepo(dir: string, target: string): Promise<Omit<ManifestEntry, "org" | "repo" | "kind">> {
  if (!repoExists(dir)) return { status: "not-on-disk" };
  const git = gitIn(dir);
  const refs = (await git.raw(["for-each-ref", "--format=%(refname)"])).split("\n").filter(Boolean).length;
  if (refs === 0) return { status: "empty" };
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await git.raw(["bundle", "create", "--quiet", target, "--all"]);
  return { status: "ok", bytes: fs.statSync(target).size, sha256: await sha256File(target), refs };
}

/** Removes day directories older than the retention window (today counts as day 1). */
export function pruneBackups(root: string, retentionDays: number, now = new Date()): string[] {
  if (!fs.existsSync(root)) return [];
  const cutoff = dayOf(new Date(now.getTime() - (retentionDays - 1) * 86_400_000));
  const removed: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !dayPattern.test(entry.name) || entry.name >= cutoff) continue;
    fs.rmSync(path.join(root, entry.name), { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed.sort();
}

/**
 * One backup run. Returns null when another run holds the lock (a session advisory lock
 * on a reserved connection: it dies with the process, so a crash never blocks backups).
 */
export async function runBackup(db: Db, opts: { trigger: "schedule" | "manual" | "cli"; triggeredBy?: string | null; now?: Date }): Promise<BackupRun | null> {
  const conn = await db.$sql.reserve();
  try {
    const [lock] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${LOCK_KEY}) as ok`;
    if (!lock.ok) return null;
    try {
      return await backup(db, opts);
    } finally {
      await conn`select pg_advisory_unlock(${LOCK_KEY})`;
    }
  } finally {
    conn.release();
  }
}

async function backup(db: Db, opts: { trigger: string; triggeredBy?: string | null; now?: Date }): Promise<BackupRun> {
  const cfg = getConfig().backups;
  const startedAt = opts.now ?? new Date();
  const day = dayOf(startedAt);
  const finalDir = path.join(cfg.dir, day);
  const [run] = await db
    .insert(backupRuns)
    .values({ trigger: opts.trigger, triggeredBy: opts.triggeredBy ?? null, day, directory: finalDir, startedAt })
    .returning();
  fs.mkdirSync(cfg.dir, { recursive: true });
  const staging = path.join(cfg.dir, `.${day}.tmp-${randomBytes(4).toString("hex")}`);
  const entries: ManifestEntry[] = [];
  try {
    fs.mkdirSync(staging);
    const repos = (await listAllRepos(db)).sort((a, b) => `${a.orgSlug}/${a.name}`.localeCompare(`${b.orgSlug}/${b.name}`));
    for (const repo of repos) {
      const file = path.join(repo.orgSlug, `${repo.name}.bundle`);
      const base = { org: repo.orgSlug, repo: repo.name, kind: repo.kind };
      try {
        const result = await bundleRepo(repoDir(repo.orgSlug, repo.name), path.join(staging, file));
        entries.push({ ...base, ...result, ...(result.status === "ok" ? { file } : {}) });
      } catch (e) {
        entries.push({ ...base, status: "error", error: (e instanceof Error ? e.message : String(e)).slice(0, 1000) });
      }
    }
    const totals = {
      repos: entries.length,
      backedUp: entries.filter((e) => e.status === "ok").length,
      empty: entries.filter((e) => e.status === "empty" || e.status === "not-on-disk").length,
      failed: entries.filter((e) => e.status === "error").length,
      bytes: entries.reduce((n, e) => n + (e.bytes ?? 0), 0),
    };
    const manifest: Manifest = {
      day,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      retentionDays: cfg.retentionDays,
      totals,
      repos: entries,
    };
    fs.writeFileSync(path.join(staging, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

    // Swap the day's directory whole: a second run the same day replaces the first.
    const trash = `${finalDir}.old-${randomBytes(4).toString("hex")}`;
    const hadPrevious = fs.existsSync(finalDir);
    if (hadPrevious) fs.renameSync(finalDir, trash);
    fs.renameSync(staging, finalDir);
    if (hadPrevious) fs.rmSync(trash, { recursive: true, force: true });

    const pruned = pruneBackups(cfg.dir, cfg.retentionDays, startedAt);
    const errors: BackupError[] = entries.filter((e) => e.status === "error").map((e) => ({ repo: `${e.org}/${e.repo}`, error: e.error! }));
    const [done] = await db
      .update(backupRuns)
      .set({
        status:
          totals.failed === 0 ? "success"
          : totals.backedUp > 0 ? "partial"
          : "failed",
        reposTotal: totals.repos,
        reposBackedUp: totals.backedUp,
        reposEmpty: totals.empty,
        reposFailed: totals.failed,
        bytes: totals.bytes,
        errors,
        pruned,
        finishedAt: new Date(),
      })
      .where(eq(backupRuns.id, run.id))
      .returning();
    return done;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    const [failed] = await db
      .update(backupRuns)
      .set({ status: "failed", errors: [{ repo: "*", error: e instanceof Error ? e.message : String(e) }], finishedAt: new Date(), reposTotal: entries.length })
      .where(eq(backupRuns.id, run.id))
      .returning();
    return failed;
  }
}

/** Runs, newest first; `cursor` is the id of the last run of the previous page. */
export async function listBackupRuns(db: DbOrTx, opts: { cursor?: string; limit: number }) {
  const rows = await db
    .select({ run: backupRuns, triggeredByName: users.username })
    .from(backupRuns)
    .leftJoin(users, eq(users.id, backupRuns.triggeredBy))
    .where(
      opts.cursor ? sql`(${backupRuns.startedAt}, ${backupRuns.id}) < (select started_at, id from backup_runs where id = ${opts.cursor}::uuid)` : undefined,
    )
    .orderBy(desc(backupRuns.startedAt), desc(backupRuns.id))
    .limit(opts.limit + 1);
  const items = rows.slice(0, opts.limit).map((r) => ({ ...r.run, triggeredByName: r.triggeredByName }));
  return { items, nextCursor: rows.length > opts.limit ? items[items.length - 1].id : null };
}

export async function latestBackupRun(db: DbOrTx, opts: { triggeredBy?: string } = {}) {
  const [row] = await db
    .select({ id: backupRuns.id, status: backupRuns.status })
    .from(backupRuns)
    .where(opts.triggeredBy ? eq(backupRuns.triggeredBy, opts.triggeredBy) : undefined)
    .orderBy(desc(backupRuns.startedAt), desc(backupRuns.id))
    .limit(1);
  return row ?? null;
}

/** The `git-backup` job (daily schedule or the admin's button). */
export async function backupJob(data: JobData<typeof queues.backupRun>, db: Db) {
  const run = await runBackup(db, { trigger: data.trigger, triggeredBy: data.triggeredBy ?? null });
  return run ? { runId: run.id, status: run.status } : { skipped: "another backup is running" };
}
