import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "@/server/config";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { runGit } from "@/server/git/plumbing/cli";
import { branchHead } from "@/server/git/plumbing/merge";
import { repoDir } from "@/server/git/paths";
import { testDatabase } from "@/test/support/db";
import { startTestUpstream, type TestUpstream } from "@/test/support/gentoo-tree";
import { syncPortageTree } from "./tree";

/** The test upstream the e2e portal and the real-build tests use: the tree over "dumb" HTTP (static files), branch stable. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-tree-upstream-"));
const db = testDatabase({ ROOKERY_DATA_DIR: path.join(dir, "data"), AUTH_SECRET: "u".repeat(40) });
let upstream: TestUpstream;

beforeAll(async () => {
  upstream = await startTestUpstream(fs.mkdtempSync(path.join(dir, "upstream-")));
  process.env.PORTAGE_TREE_UPSTREAM = upstream.treeUrl;
  process.env.PORTAGE_TREE_UPSTREAM_BRANCH = "stable";
  loadConfig();
  await ensureInfrastructureOrg(db());
});

afterAll(async () => {
  await upstream?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it("syncs the test tree from a static HTTP upstream into development, staging and production", async () => {
  const sync = await syncPortageTree(db(), { trigger: "manual" });
  expect(sync).toMatchObject({ outcome: "created", error: null, upstreamUrl: upstream.treeUrl });
  const tree = repoDir("infrastructure", "gentoo");
  for (const branch of ["development", "staging", "production"]) expect(await branchHead(tree, branch)).toBe(sync.upstreamSha);
  expect((await runGit(["show", "development:profiles/repo_name"], { cwd: tree })).stdout.trim()).toBe("gentoo");
});
