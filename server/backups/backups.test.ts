import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupRuns } from "@/db/schema";
import { backupsRouter } from "@/server/api/routers/backups";
import { createCallerFactory } from "@/server/api/trpc";
import type { Actor } from "@/server/auth/policy";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { repoDir } from "@/server/git/paths";
import { getRepo, insertRepo, listAllRepos } from "@/server/git/repos";
import { queues, stopBoss } from "@/server/jobs";
import { createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { dayOf, pruneBackups, runBackup, type Manifest } from "./index";
import { restoreRepo, RestoreError } from "./restore";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-backup-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, BACKUP_RETENTION_DAYS: "3" });
const backups = path.join(dataDir, "backups");

async function refs(dir: string) {
  return (await runGit(["for-each-ref", "--format=%(objectname) %(refname)"], { cwd: dir })).stdout;
}

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  const org = await createOrg(db(), { name: "acme", source: "local" });
  for (const repo of await listAllRepos(db())) await ensureRepoOnDisk(db(), repo);
  // A repo with history, branches and an annotated tag; and an empty one.
  await insertRepo(db(), org, { name: "app" });
  const dir = await ensureRepoOnDisk(db(), (await getRepo(db(), "acme", "app"))!, { withReadme: true });
  const head = (await runGit(["rev-parse", "develop"], { cwd: dir })).stdout.trim();
  await commitFiles(dir, { branch: "feature/x", parent: head, files: { "x.txt": "x\n" }, message: "x" });
  await runGit(["tag", "-a", "v1.0.0", "-m", "release", head], { cwd: dir });
  await insertRepo(db(), org, { name: "empty" });
  await ensureRepoOnDisk(db(), (await getRepo(db(), "acme", "empty"))!);
});

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("backups", () => {
  it("bundles every repository with a manifest, skipping empty ones, and records the run", async () => {
    const run = (await runBackup(db(), { trigger: "cli" }))!;
    const day = dayOf(new Date());
    // acme/empty, and infrastructure/gentoo: the portage tree is empty until its first sync
    expect(run).toMatchObject({ status: "success", day, reposFailed: 0, reposEmpty: 2, directory: path.join(backups, day) });
    const total = (await listAllRepos(db())).length;
    expect(run.reposTotal).toBe(total);
    expect(run.reposBackedUp).toBe(total - 2);

    const manifest = JSON.parse(fs.readFileSync(path.join(backups, day, "manifest.json"), "utf8")) as Manifest;
    expect(manifest.totals).toMatchObject({ repos: total, backedUp: total - 2, empty: 2, failed: 0 });
    expect(manifest.repos.find((r) => r.repo === "empty")).toMatchObject({ org: "acme", status: "empty" });
    expect(manifest.repos.find((r) => r.repo === "gentoo")).toMatchObject({ org: "infrastructure", status: "empty" });
    const app = manifest.repos.find((r) => r.org === "acme" && r.repo === "app")!;
    expect(app).toMatchObject({ status: "ok", file: "acme/app.bundle", refs: 4 });
    const bundle = path.join(backups, day, app.file!);
    expect(fs.statSync(bundle).size).toBe(app.bytes);
    expect(createHash("sha256").update(fs.readFileSync(bundle)).digest("hex")).toBe(app.sha256);
    expect(run.bytes).toBe(manifest.totals.bytes);
    // Module mirrors borrow their objects (alternates) but their bundles stand alone.
    expect(manifest.repos.find((r) => r.org === "acme" && r.repo === "role")).toMatchObject({ status: "ok", kind: "module-mirror" });
    expect((await runGit(["bundle", "verify", path.join(backups, day, "acme/role.bundle")], { cwd: repoDir("acme", "app") })).code).toBe(0);
  });

  it("restores a deleted repository from its bundle with the same refs and Rookery's hooks", async () => {
    const dir = repoDir("acme", "app");
    const before = await refs(dir);
    const bundle = path.join(backups, dayOf(new Date()), "acme/app.bundle");
    fs.rmSync(dir, { recursive: true, force: true });

    const result = await restoreRepo(db(), { orgSlug: "acme", name: "app" }, bundle);
    expect(result).toMatchObject({ created: false, replaced: false, defaultBranch: "develop", refs: 4 });
    expect(await refs(dir)).toBe(before);
    expect((await runGit(["symbolic-ref", "HEAD"], { cwd: dir })).stdout.trim()).toBe("refs/heads/develop");
    expect(fs.readFileSync(path.join(dir, "hooks/pre-receive"), "utf8")).toContain("Installed by Rookery");
    expect((await runGit(["fsck", "--no-progress"], { cwd: dir })).code).toBe(0);

    // Over an existing repo that has diverged: the bundle's state wins, swapped in whole.
    const head = (await runGit(["rev-parse", "develop"], { cwd: dir })).stdout.trim();
    await commitFiles(dir, { branch: "develop", parent: head, files: { "late.txt": "late\n" }, message: "after the backup" });
    expect(await refs(dir)).not.toBe(before);
    expect((await restoreRepo(db(), { orgSlug: "acme", name: "app" }, bundle)).replaced).toBe(true);
    expect(await refs(dir)).toBe(before);
    expect(fs.readdirSync(path.dirname(dir)).filter((f) => f.includes(".old-") || f.startsWith(".restore-"))).toEqual([]);
  });

  it("creates the repository row when restoring a repo Rookery does not know, and refuses bad input", async () => {
    const bundle = path.join(backups, dayOf(new Date()), "acme/app.bundle");
    const result = await restoreRepo(db(), { orgSlug: "acme", name: "app-copy" }, bundle);
    expect(result.created).toBe(true);
    const row = (await getRepo(db(), "acme", "app-copy"))!;
    expect(row).toMatchObject({ kind: "standard", defaultBranch: "develop" });
    expect(await refs(repoDir("acme", "app-copy"))).toBe(await refs(repoDir("acme", "app")));

    const junk = path.join(dataDir, "junk.bundle");
    fs.writeFileSync(junk, "not a bundle");
    await expect(restoreRepo(db(), { orgSlug: "acme", name: "app" }, junk)).rejects.toThrow(/not a valid, complete git bundle/);
    await expect(restoreRepo(db(), { orgSlug: "acme", name: "app" }, path.join(dataDir, "missing.bundle"))).rejects.toThrow(RestoreError);
    await expect(restoreRepo(db(), { orgSlug: "nope", name: "app" }, bundle)).rejects.toThrow(/No organization/);
    await expect(restoreRepo(db(), { orgSlug: "acme", name: "../etc" }, bundle)).rejects.toThrow(/not a valid repository name/);
    expect(await refs(repoDir("acme", "app"))).not.toBe(""); // untouched by the refusals
  });

  it("keeps BACKUP_RETENTION_DAYS days and leaves other files alone", async () => {
    for (const d of ["2020-01-01", "2020-01-02"]) fs.mkdirSync(path.join(backups, d), { recursive: true });
    fs.writeFileSync(path.join(backups, "README.txt"), "keep me");
    const now = new Date();
    const recent = [1, 2].map((n) => dayOf(new Date(now.getTime() - n * 86_400_000)));
    const tooOld = dayOf(new Date(now.getTime() - 3 * 86_400_000));
    for (const d of [...recent, tooOld]) fs.mkdirSync(path.join(backups, d), { recursive: true });

    const run = (await runBackup(db(), { trigger: "manual" }))!;
    expect(run.pruned).toEqual(["2020-01-01", "2020-01-02", tooOld]);
    expect(fs.readdirSync(backups).sort()).toEqual([...recent, dayOf(now), "README.txt"].sort());
    expect(pruneBackups(backups, 3, now)).toEqual([]);
  });

  it("runs one backup at a time", async () => {
    const [first, second] = await Promise.all([runBackup(db(), { trigger: "manual" }), runBackup(db(), { trigger: "manual" })]);
    expect([first, second].filter((r) => r === null)).toHaveLength(1);
    const runs = await db().select().from(backupRuns).where(eq(backupRuns.trigger, "manual"));
    expect(runs.every((r) => r.status === "success")).toBe(true);
  });

  it("shows runs to admins only and lets only admins start one", async () => {
    const admin = await createLocalUser(db(), { username: "root", password: "Admin-password-1", isAdmin: true });
    const user = await createLocalUser(db(), { username: "joe", password: "Plain-password-1" });
    const caller = (u: User) =>
      createCallerFactory(backupsRouter)({
        db: db(),
        user: u,
        actor: { kind: "user", id: u.id, username: u.username, isAdmin: u.isAdmin } as Actor,
        audit: {},
      });
    const status = await caller(admin).status({});
    expect(status.config).toMatchObject({ retentionDays: 3, cron: "0 2 * * *", dir: backups });
    expect(status.runs.items.length).toBeGreaterThanOrEqual(3);
    expect(status.latest?.status).toBe("success");
    // "Run now" queues a manual backup in the admin's name (the worker records who asked).
    const { jobId } = await caller(admin).runNow();
    const [job] = await db().execute<{ name: string; data: unknown }>(sql`SELECT name, data FROM pgboss.job WHERE id = ${jobId}`);
    expect(job).toEqual({ name: queues.backupRun.name, data: { trigger: "manual", triggeredBy: admin.id } });
    await expect(caller(user).status({})).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller(user).runNow()).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
