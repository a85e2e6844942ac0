import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { branchHead } from "@/server/git/plumbing/merge";
import { repoDir } from "@/server/git/paths";
import { getRepo } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { statusesOf } from "@/server/mergerequests/statuses";
import { ensureFarmDefaults } from "./catalog";
import { checkPushedProfiles, VALIDATE_CONTEXT } from "./checks";
import { loadBranchProfiles } from "./repo";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-farm-checks-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "https://rookery.example.com" });
afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  await loadBranchProfiles(db());
});

describe("build-profiles pushes get a validation status", () => {
  it("marks a branch with a broken profile failed with file, line, column and message; a good one green", async () => {
    const dir = repoDir("infrastructure", "build-profiles");
    const broken = await commitFiles(dir, {
      branch: "feature/php",
      parent: (await branchHead(dir, "develop"))!,
      files: { "profiles/php.yaml": "kind: application\ninherits: linux\npackages: [dev-lang/php\n" },
      message: "Add php",
    });
    const results = await checkPushedProfiles(db(), ["feature/php", "develop", "gone/branch"]);
    expect(results.map((r) => [r.branch, r.ok])).toEqual([
      ["feature/php", false],
      ["develop", true],
    ]);
    const repo = (await getRepo(db(), "infrastructure", "build-profiles"))!;
    const [status] = (await statusesOf(db(), repo.id, [broken])).get(broken)!;
    expect(status).toMatchObject({ context: VALIDATE_CONTEXT, state: "failed", targetUrl: "https://rookery.example.com/farm" });
    expect(status.description).toMatch(/^profiles\/php\.yaml:\d+:\d+: /);
    const develop = (await branchHead(dir, "develop"))!;
    expect((await statusesOf(db(), repo.id, [develop])).get(develop)![0]).toMatchObject({ state: "success", description: "3 profiles and 1 stack are valid" });
  });
});
