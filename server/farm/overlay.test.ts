import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { commitTestTree } from "@/test/support/gentoo-mirror";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { branchHead, branchHeads } from "@/server/git/plumbing/merge";
import { readTextFile } from "@/server/git/plumbing/read";
import { repoDir } from "@/server/git/paths";
import { getRepo, listProtections } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { statusesOf } from "@/server/mergerequests/statuses";
import { getJob } from "@/server/runners/pipelines";
import { checkPushedOverlay, OVERLAY_LINT_CONTEXT } from "./overlay";
import { lintOverlay, makeDefaultsErrors } from "./overlay-lint";
import { overlayTemplate } from "./overlay-template";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-overlay-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "https://rookery.example.com" });
afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const overlayDir = () => repoDir("infrastructure", "overlay");
const templateFiles = () => Object.entries(overlayTemplate()).map(([p, text]) => ({ path: p, text }));

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  // the tree the overlay's base profile names (gentoo:default/linux/amd64/23.0), on development
  await commitTestTree(db());
});

describe("the overlay repository", () => {
  it("exists after start-up with the template on development, staging and production, protected; a second start changes nothing", async () => {
    const repo = (await getRepo(db(), "infrastructure", "overlay"))!;
    expect(repo).toMatchObject({ defaultBranch: "development", kind: "standard" });
    const dir = await ensureRepoOnDisk(db(), repo);
    const heads = await branchHeads(dir);
    expect([...heads.keys()].sort()).toEqual(["development", "production", "staging"]);
    expect(new Set(heads.values()).size).toBe(1);
    expect(await readTextFile(dir, "production", "profiles/repo_name")).toBe("rookery\n");
    expect(await readTextFile(dir, "development", "profiles/rookery/amd64/base/parent")).toBe("gentoo:default/linux/amd64/23.0\n");
    expect((await listProtections(db(), repo.id)).map((p) => p.pattern).sort()).toEqual(["development", "production", "staging"]);

    await ensureInfrastructureOrg(db());
    expect((await getRepo(db(), "infrastructure", "overlay"))!.id).toBe(repo.id);
    expect(await branchHeads(await ensureRepoOnDisk(db(), repo))).toEqual(heads);
    expect(await listProtections(db(), repo.id)).toHaveLength(3);
  });
});

describe("static overlay lint", () => {
  it("passes the template and names each broken thing with file and line", async () => {
    const tree = (p: string) => Promise.resolve(p === "profiles/default/linux/amd64/23.0");
    expect(await lintOverlay(templateFiles(), tree)).toEqual([]);
    const files = overlayTemplate();
    files["metadata/layout.conf"] = "thin-manifests = true\nthis is not a setting\n";
    files["profiles/rookery/amd64/base/parent"] = "gentoo:default/linux/amd64/17.1\n";
    files["profiles/rookery/amd64/desktop/parent"] = "../nothing\n";
    files["profiles/rookery/amd64/server/make.defaults"] = 'USE="-X\n';
    const errors = await lintOverlay(
      Object.entries(files).map(([p, text]) => ({ path: p, text })),
      tree,
    );
    expect(errors).toEqual([
      { file: "metadata/layout.conf", line: 2, message: 'expected "key = value", found "this is not a setting"' },
      { file: "metadata/layout.conf", line: 1, message: "no masters: add `masters = gentoo`" },
      {
        file: "profiles/rookery/amd64/base/parent",
        line: 1,
        message: "gentoo:default/linux/amd64/17.1: repo:path parents need profile-formats = portage-2 in metadata/layout.conf",
      },
      { file: "profiles/rookery/amd64/base/parent", line: 1, message: "gentoo:default/linux/amd64/17.1: no such profile in the gentoo tree" },
      { file: "profiles/rookery/amd64/desktop/parent", line: 1, message: "../nothing: no such profile (profiles/rookery/amd64/nothing)" },
      { file: "profiles/rookery/amd64/server/make.defaults", line: 1, message: 'the value of USE has no closing "' },
    ]);
  });

  it("reads make.defaults as portage does", () => {
    expect(makeDefaultsErrors('# c\nUSE="a b\n  c"\nexport X=1\nY=\'q\' # ok\nZ="a \\" b"\n')).toEqual([]);
    expect(makeDefaultsErrors("USE = ssl\n")).toEqual([{ line: 1, message: 'expected VAR="value", found "USE = ssl"' }]);
    expect(makeDefaultsErrors("USE=ssl ipv6\n")).toEqual([{ line: 1, message: 'quote the value of USE ("...")' }]);
    expect(makeDefaultsErrors('USE="ssl" ipv6\n')).toEqual([{ line: 1, message: 'unexpected "ipv6" after the value of USE' }]);
  });
});

describe("overlay pushes get the overlay/lint status", () => {
  it("a broken parent or make.defaults fails at once; a valid commit waits for portage on a gentoo runner, saying there is none", async () => {
    const dir = overlayDir();
    const broken = await commitFiles(dir, {
      branch: "feature/broken",
      parent: (await branchHead(dir, "development"))!,
      files: { "profiles/rookery/amd64/server/parent": "../base\n../workstation\n", "profiles/rookery/amd64/server/make.defaults": "USE=-X -gtk\n" },
      message: "Break the server profile",
    });
    const results = await checkPushedOverlay(db(), ["feature/broken", "development", "no/such-branch"]);
    expect(results.map((r) => [r.branch, r.ok])).toEqual([
      ["feature/broken", false],
      ["development", true],
    ]);
    const repo = (await getRepo(db(), "infrastructure", "overlay"))!;
    const [failed] = (await statusesOf(db(), repo.id, [broken])).get(broken)!;
    expect(failed).toMatchObject({
      context: OVERLAY_LINT_CONTEXT,
      state: "failed",
      description: 'profiles/rookery/amd64/server/make.defaults:1: quote the value of USE ("...") (and 1 more)',
      targetUrl: `https://rookery.example.com/orgs/infrastructure/repos/overlay/commit/${broken}`,
    });
    const good = (await branchHead(dir, "development"))!;
    const [pending] = (await statusesOf(db(), repo.id, [good])).get(good)!;
    const jobId = results[1].jobId!;
    expect(pending).toMatchObject({
      context: OVERLAY_LINT_CONTEXT,
      state: "pending",
      description: "Layout and profiles are valid; no runner has the gentoo tag to check the ebuilds with portage",
      targetUrl: `https://rookery.example.com/jobs/${jobId}`,
    });
    const job = (await getJob(db(), jobId))!;
    expect(job).toMatchObject({ status: "queued", tags: ["gentoo"], env: { ROOKERY_OVERLAY_COMMIT: good } });
    expect(job.stuck).toBe("stuck: no online runner with tags gentoo");
  });
});
