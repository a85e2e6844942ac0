import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { runGit } from "@/server/git/plumbing/cli";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { repoDir } from "@/server/git/paths";
import { getRepo } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { createOrg } from "@/server/orgs";
import { testDatabase } from "@/test/support/db";
import { dayOf } from "./index";

const root = path.resolve(import.meta.dirname, "../..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-backup-cli-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir });

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(root, "node_modules/.bin/tsx"), ["scripts/cli.ts", ...args], { cwd: root, env: { ...process.env, ROOKERY_DATA_DIR: dataDir } });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("error", reject);
    p.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await createOrg(db(), { name: "acme", source: "local" });
  await ensureRepoOnDisk(db(), (await getRepo(db(), "acme", "puppet"))!);
});

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("backup:run and repo:restore", { timeout: 90_000 }, () => {
  it("backs up, then restores a lost repository from its bundle", async () => {
    const backup = await cli("backup:run");
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^Backup success in .*backups\/\d{4}-\d{2}-\d{2}:/);

    const dir = repoDir("acme", "puppet");
    const refs = (await runGit(["for-each-ref"], { cwd: dir })).stdout;
    fs.rmSync(dir, { recursive: true, force: true });
    const bundle = path.join(dataDir, "backups", dayOf(new Date()), "acme/puppet.bundle");
    const restore = await cli("repo:restore", "acme/puppet", bundle);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout.trim()).toBe(`Restored acme/puppet from ${bundle}: 2 refs, default branch develop`);
    expect((await runGit(["for-each-ref"], { cwd: dir })).stdout).toBe(refs);
    const [audit] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "repo:restore"), eq(auditEvents.outcome, "success")));
    expect(audit).toMatchObject({ targetType: "repository", targetId: "acme/puppet" });
  });

  it("explains bad arguments and refusals in one line", async () => {
    const missing = await cli("repo:restore");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("<org>/<repo> is required");
    const shape = await cli("repo:restore", "puppet", "/tmp/x.bundle");
    expect(shape.code).toBe(2);
    expect(shape.stderr).toContain("must look like acme/puppet");
    const extra = await cli("repo:restore", "acme/puppet", "a", "b");
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("unexpected argument b");
    const nofile = await cli("repo:restore", "acme/puppet", path.join(dataDir, "nope.bundle"));
    expect(nofile.code).toBe(1);
    expect(nofile.stderr.trim()).toBe(`rookery: No bundle file at ${path.join(dataDir, "nope.bundle")}`);
  });
});
