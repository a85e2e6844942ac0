import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinderboxRuns } from "@/db/schema";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo } from "@/server/git/repos";
import { createOrg } from "@/server/orgs";
import { testDatabase } from "@/test/support/db";

const root = path.resolve(import.meta.dirname, "..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-tbcli-"));
const PUBLIC_URL = "http://rookery.test";
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL });
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** The real CLI as an operator runs it, against this file's database and data directory. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(root, "node_modules/.bin/tsx"), ["scripts/cli.ts", ...args], {
      cwd: root,
      env: { ...process.env, ROOKERY_DATA_DIR: dataDir, PUBLIC_URL },
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("error", reject);
    p.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const lastLine = (s: string) => s.trim().split("\n").at(-1);

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  const org = await createOrg(db(), { name: "clibox", source: "local" });
  await ensureRepoOnDisk(db(), (await getRepo(db(), org.slug, "puppet"))!);
}, 60_000);

describe("tinderbox:run", { timeout: 60_000 }, () => {
  it("runs one pass with --wait and prints the outcome as its last line", async () => {
    const r = await cli("tinderbox:run", "--org", "clibox", "--wait");
    expect(r.code, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toBe("up to date");
  });

  it("queues a pass for the workers without --wait; an unknown org is one line and exit 1", async () => {
    const r = await cli("tinderbox:run", "--org", "clibox");
    expect(r.code, r.stderr).toBe(0);
    expect(lastLine(r.stdout)).toMatch(/^queued: tinderbox run [0-9a-f-]{36} of clibox$/);
    const runs = await db()
      .select({ status: tinderboxRuns.status, trigger: tinderboxRuns.trigger })
      .from(tinderboxRuns)
      .where(eq(tinderboxRuns.status, "queued"));
    expect(runs).toEqual([{ status: "queued", trigger: "cli" }]);
    const missing = await cli("tinderbox:run", "--org", "nope", "--wait");
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("rookery: No organization with slug nope");
  });
});
