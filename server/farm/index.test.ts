import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { makeGpkg } from "@/test/support/gpkg";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { repoDir } from "@/server/git/paths";
import { ensureFarmDefaults } from "./catalog";
import { buildJobFor, buildStackJobs, publishProfileBuild, validateBuildProfiles } from "./index";
import { environmentOfBranch, loadBranchProfiles } from "./repo";
import { JOB_TOKEN_GIT_AUTH } from "./generate";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-farm-api-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "https://rookery.example.com" });
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

let dir = "";
beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  await loadBranchProfiles(db()); // materializes the repository
  dir = repoDir("infrastructure", "build-profiles");
});

const head = async (ref: string) => (await runGit(["rev-parse", ref], { cwd: dir })).stdout.trim();

describe("build farm API", () => {
  it("maps build-profiles branches to environments (feature branches are proposals)", () => {
    expect(["develop", "release/v1.2.0", "hotfix/v1.1.1", "master", "feature/php", "main", "wip"].map(environmentOfBranch)).toEqual([
      "development",
      "staging",
      "staging",
      "production",
      null,
      null,
      null,
    ]);
  });

  it("generates the job of a profile from the environment's branch, with the environment's portage branch", async () => {
    const job = await buildJobFor(db(), { environment: "production", arch: "amd64", profile: "ruby", variant: "clean" });
    expect(job.name).toBe("build:production:amd64:ruby");
    expect(job.needs).toEqual(["build:production:amd64:linux"]);
    expect(job.steps[0].script[2]).toBe(
      `git -C /var/db/repos/gentoo ${JOB_TOKEN_GIT_AUTH} fetch --quiet --depth=1 https://rookery.example.com/git/infrastructure/gentoo.git production`,
    );
    expect(job.files["/etc/portage/binrepos.conf/rookery.conf"]).toContain("sync-uri = https://rookery.example.com/packages/production/gentoo/amd64/linux\n");
    await expect(buildJobFor(db(), { environment: "production", arch: "arm64", profile: "ruby", variant: "clean" })).rejects.toThrow(
      "ruby is not built for arm64",
    );
    await expect(buildJobFor(db(), { environment: "staging", arch: "amd64", profile: "ruby", variant: "clean" })).rejects.toThrow(
      "infrastructure/build-profiles has no branch for staging",
    );
  });

  it("staging builds from the newest release or hotfix branch, and a broken profile is reported with its position", async () => {
    await commitFiles(dir, {
      branch: "release/v1.0.0",
      parent: await head("develop"),
      files: { "profiles/ruby.yaml": "kind: application\ninherits: linux\npackages: [dev-lang/ruby]\n" },
      message: "old",
    });
    await new Promise((r) => setTimeout(r, 1100)); // committer dates have one-second resolution
    await commitFiles(dir, {
      branch: "release/v1.1.0",
      parent: await head("develop"),
      files: { "profiles/ruby.yaml": "kind: application\ninherits: [linux\n" },
      message: "broken",
    });
    await expect(buildJobFor(db(), { environment: "staging", arch: "amd64", profile: "ruby", variant: "clean" })).rejects.toThrow(
      "profiles/ruby.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]",
    );
    const v = await validateBuildProfiles(db(), await head("release/v1.1.0"));
    expect(v.ok).toBe(false);
    expect(v.errors[0].file).toBe("profiles/ruby.yaml");
    expect(v.profiles).toEqual(["linux"]);
    expect(v.stacks).toEqual([]);
    expect((await validateBuildProfiles(db(), await head("develop"))).ok).toBe(true);
  });

  it("builds a stack as a chain of jobs", async () => {
    const jobs = await buildStackJobs(db(), { environment: "development", arch: "amd64", stack: "rails-stack", variant: "incremental" });
    expect(jobs.map((j) => [j.profile, j.needs])).toEqual([
      ["linux", []],
      ["ruby", ["build:development:amd64:linux"]],
      ["rails", ["build:development:amd64:ruby"]],
    ]);
  });

  it("publishes a profile's build with its parents, CHOST and portage profile from the profile", async () => {
    const fixtures = fs.mkdtempSync(path.join(dataDir, "fx-"));
    const zlib = makeGpkg(fixtures, { category: "sys-libs", pf: "zlib-1.3.1", buildId: 1 });
    const ruby = makeGpkg(fixtures, { category: "dev-lang", pf: "ruby-3.3.6", buildId: 1 });
    expect(await publishProfileBuild(db(), { environment: "development", arch: "amd64", profile: "linux", files: [zlib] })).toMatchObject({
      packages: 1,
      inherited: 0,
    });
    expect(await publishProfileBuild(db(), { environment: "development", arch: "amd64", profile: "ruby", files: [zlib, ruby] })).toMatchObject({
      packages: 1,
      inherited: 1,
    });
    const index = fs.readFileSync(path.join(dataDir, "binhost/development/gentoo/amd64/ruby/Packages"), "utf8");
    expect(index).toContain("PROFILE: default/linux/amd64/23.0\n");
    expect(index).toContain("URI: https://rookery.example.com/packages/development/gentoo/amd64/ruby\n");
    expect(index).toContain("CHOST: x86_64-pc-linux-gnu\n");
  });
});
