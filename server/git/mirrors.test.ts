import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { createOrg } from "@/server/orgs";
import { runGit } from "./plumbing/cli";
import { commitFiles } from "./plumbing/commit";
import { syncMirrorsOf } from "./events";
import { ensureInfrastructureOrg } from "./infrastructure";
import { ensureRepoOnDisk } from "./materialize";
import { repoDir } from "./paths";
import { getRepo, listMirrorsOf } from "./repos";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-mirrors-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir });

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe("global module mirrors", () => {
  it("brings the role mirrors of 100 orgs to a new commit of infrastructure/role within 10 s", { timeout: 120_000 }, async () => {
    await ensureInfrastructureOrg(db());
    for (let i = 0; i < 100; i++) await createOrg(db(), { name: `mirror-org-${i}`, source: "local" });
    const mirrors = await listMirrorsOf(db(), "infrastructure/role");
    expect(mirrors).toHaveLength(100);
    for (const m of mirrors) await ensureRepoOnDisk(db(), m);

    const upstream = (await getRepo(db(), "infrastructure", "role"))!;
    const upstreamDir = await ensureRepoOnDisk(db(), upstream);
    const head = (await runGit(["rev-parse", "develop"], { cwd: upstreamDir })).stdout.trim();
    const next = await commitFiles(upstreamDir, {
      branch: "develop",
      parent: head,
      files: { "manifests/web.pp": "class role::web {}\n" },
      message: "web role",
    });

    const started = Date.now();
    const { updated } = await syncMirrorsOf("infrastructure/role");
    const elapsed = Date.now() - started;
    expect(updated).toBe(100);
    expect(elapsed).toBeLessThan(10_000);
    for (const m of mirrors.slice(0, 5).concat(mirrors.slice(-5))) {
      const sha = (await runGit(["rev-parse", "develop"], { cwd: repoDir(m.orgSlug, m.name) })).stdout.trim();
      expect(sha).toBe(next);
    }
    console.log(`mirror fan-out: 100 mirrors updated in ${elapsed} ms`);
  });
});
