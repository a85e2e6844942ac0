import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { mergeRequestReviewers, mergeRequests, users } from "@/db/schema";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { callerAs } from "@/test/support/trpc";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo, type RepoWithOrg } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { getMergeRequest } from "@/server/mergerequests";
import { refreshMergeRequest } from "@/server/mergerequests/merge";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { bumped, changelogEntry, withEntry } from "./index";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-releases-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "r".repeat(40), PUBLIC_URL: "http://rookery.test" });
const pw = "Release-pass-2026";
const ORG = "relco";
const R = { slug: ORG, name: "puppet" };

const caller = callerAs(db);
let lead: User, dev: User;
let repo: RepoWithOrg;
let dir = "";

const git = async (...args: string[]) => (await runGit(args, { cwd: dir })).stdout.trim();
const head = (branch: string) => git("rev-parse", `refs/heads/${branch}`);

async function fieldError(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCError) return e.message;
    throw e;
  }
  throw new Error("expected a failure");
}

/** A feature branch from develop, merged by MR the way a team would (dev opens, leader approves and merges). */
async function mergeFeature(name: string, files: Record<string, string>) {
  await commitFiles(dir, { branch: `feature/${name}`, parent: await head("develop"), files, message: `Add ${name}` });
  const { number } = await caller(dev).mergeRequests.create({ ...R, title: `Add ${name}`, sourceBranch: `feature/${name}`, targetBranch: "develop" });
  return approveAndMerge(number, lead);
}

async function approveAndMerge(number: number, approver: User = dev) {
  const mr = (await getMergeRequest(db(), repo.id, number))!;
  await refreshMergeRequest(db(), mr.id);
  await caller(approver).mergeRequests.approve({ ...R, number, expectedHeadSha: mr.headSha });
  await caller(lead).mergeRequests.merge({ ...R, number, expectedHeadSha: mr.headSha, method: "merge", deleteSource: false });
  return number;
}

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  lead = await createLocalUser(db(), { username: "rel-lead", password: pw, displayName: "Rita Release" });
  dev = await createLocalUser(db(), { username: "rel-dev", password: pw, displayName: "Dan Dev" });
  const org = await createOrg(db(), { name: ORG, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db(), org.id, "rel-dev", "developer");
  await createLocalUser(db(), { username: "rel-lead2", password: pw, displayName: "Lou Leader" });
  await addMember(db(), org.id, "rel-lead2", "leader");
  repo = (await getRepo(db(), ORG, "puppet"))!;
  dir = await ensureRepoOnDisk(db(), repo);
});

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("versions and changelog text", () => {
  it("bumps from the last version, starting at 0.x/1.0.0 without one", () => {
    expect(bumped(null, "minor")).toBe("v0.1.0");
    expect(bumped(null, "major")).toBe("v1.0.0");
    expect(bumped("v1.4.2", "patch")).toBe("v1.4.3");
    expect(bumped("v1.4.2", "minor")).toBe("v1.5.0");
    expect(bumped("v1.4.2", "major")).toBe("v2.0.0");
  });

  it("puts a new entry under the title and above older ones", () => {
    const entry = changelogEntry(
      "v1.1.0",
      new Date("2026-11-25T10:00:00Z"),
      [{ number: 7, title: "Add  ntp", author: "Dan Dev", username: "d", sourceBranch: "feature/ntp", mergedAt: null }],
      "release",
    );
    expect(entry).toBe("## v1.1.0 (2026-11-25)\n\n- Add ntp (!7, Dan Dev)\n");
    expect(withEntry(null, entry)).toBe(`# Changelog\n\n${entry}`);
    expect(withEntry("# Changes\n\n## v1.0.0 (2026-01-01)\n\n- first\n", entry)).toBe(`# Changes\n\n${entry}\n## v1.0.0 (2026-01-01)\n\n- first\n`);
  });
});

describe("baking a release through the UI's API", () => {
  it("suggests the next version with the merged MRs, only to leaders", async () => {
    await mergeFeature("ntp", { "manifests/ntp.pp": "class ntp {}\n" });
    await mergeFeature("ssh", { "manifests/ssh.pp": "class ssh {}\n" });
    const view = await caller(lead).releases.overview(R);
    expect(view.canStart).toBe(true);
    expect(view.plans.release).toMatchObject({ latest: null, suggested: "v0.1.0", versions: { major: "v1.0.0", minor: "v0.1.0", patch: "v0.0.1" } });
    expect(view.plans.release.merged.map((m) => m.title)).toEqual(["Add ntp", "Add ssh"]);
    expect(view.environments.development?.aheadOfMaster).toBeGreaterThan(0);
    expect((await caller(dev).releases.overview(R)).canStart).toBe(false);
    expect(await fieldError(caller(dev).releases.start({ ...R, kind: "release", version: "v1.0.0" }))).toMatch(/leader|permission|not allowed/i);
  });

  it("refuses versions that are not vX.Y.Z", async () => {
    expect(await fieldError(caller(lead).releases.start({ ...R, kind: "release", version: "1.0" }))).toMatch(/vX\.Y\.Z/);
    expect(await git("for-each-ref", "refs/heads/release/")).toBe("");
  });

  it("release v1.0.0: branch with CHANGELOG, MR into master; merging tags master, merges back into develop, publishes notes", async () => {
    const started = await caller(lead).releases.start({ ...R, kind: "release", version: "v1.0.0" });
    expect(started).toMatchObject({ branch: "release/v1.0.0", version: "v1.0.0" });
    const changelog = await git("show", "refs/heads/release/v1.0.0:CHANGELOG.md");
    expect(changelog).toMatch(/^# Changelog\n\n## v1\.0\.0 \(\d{4}-\d\d-\d\d\)\n\n- Add ntp \(!1, Dan Dev\)\n- Add ssh \(!2, Dan Dev\)/);
    const staging = (await caller(lead).releases.overview(R)).environments.staging;
    expect(staging).toEqual([
      expect.objectContaining({ branch: "release/v1.0.0", mergeRequest: expect.objectContaining({ number: started.mergeRequestNumber }) }),
    ]);
    // The other leaders are asked to review: the author may not approve their own release.
    const reviewers = await db()
      .select({ username: users.username })
      .from(mergeRequestReviewers)
      .innerJoin(users, eq(users.id, mergeRequestReviewers.userId))
      .innerJoin(mergeRequests, eq(mergeRequests.id, mergeRequestReviewers.mrId))
      .where(and(eq(mergeRequests.repoId, repo.id), eq(mergeRequests.number, started.mergeRequestNumber)));
    expect(reviewers.map((r) => r.username)).toEqual(["rel-lead2"]);
    // starting the same version twice is refused and leaves nothing behind
    expect(await fieldError(caller(lead).releases.start({ ...R, kind: "release", version: "v1.0.0" }))).toMatch(/already exists/);

    await approveAndMerge(started.mergeRequestNumber);
    const master = await head("master");
    expect(await git("rev-parse", "v1.0.0^{commit}")).toBe(master);
    expect(await git("cat-file", "-t", "v1.0.0")).toBe("tag");
    const develop = await head("develop");
    expect((await runGit(["merge-base", "--is-ancestor", master, develop], { cwd: dir, allowFailure: true })).code).toBe(0);
    expect(await git("for-each-ref", "refs/heads/release/")).toBe("");
    const view = await caller(dev).releases.overview(R);
    expect(view.releases.items).toHaveLength(1);
    expect(view.releases.items[0].release).toMatchObject({ version: "v1.0.0", kind: "release", commitSha: master });
    expect(view.releases.items[0].release.notes).toMatch(/^## v1\.0\.0 .*\n\n- Add ntp/);
    expect(view.environments.production).toMatchObject({ sha: master, version: "v1.0.0" });
    expect(view.plans.release.suggested).toBe("v1.1.0");
    expect(view.plans.release.merged).toEqual([]);
    // develop holds nothing unreleased: the back-merge of master is not counted.
    expect(view.environments.development?.aheadOfMaster).toBe(0);
  });

  it("hotfix v1.0.1 from master with a patch bump, back in develop after the merge", async () => {
    const view = await caller(lead).releases.overview(R);
    expect(view.plans.hotfix.suggested).toBe("v1.0.1");
    const started = await caller(lead).releases.start({ ...R, kind: "hotfix", version: "v1.0.1" });
    expect(started.branch).toBe("hotfix/v1.0.1");
    // the fix itself, pushed to the hotfix branch
    await commitFiles(dir, {
      branch: "hotfix/v1.0.1",
      parent: await head("hotfix/v1.0.1"),
      files: { "manifests/ssh.pp": "class ssh { $port = 22 }\n" },
      message: "Fix ssh port",
    });
    const mr = (await getMergeRequest(db(), repo.id, started.mergeRequestNumber))!;
    await refreshMergeRequest(db(), mr.id);
    await approveAndMerge(started.mergeRequestNumber);
    const master = await head("master");
    expect(await git("rev-parse", "v1.0.1^{commit}")).toBe(master);
    expect(await git("show", "refs/heads/develop:manifests/ssh.pp")).toBe("class ssh { $port = 22 }");
    expect(await git("show", "refs/heads/master:CHANGELOG.md")).toMatch(/## v1\.0\.1 [^\n]*\n\n[\s\S]*## v1\.0\.0/);
    const after = await caller(lead).releases.overview(R);
    expect(after.releases.items.map((r) => r.release.version)).toEqual(["v1.0.1", "v1.0.0"]);
    expect(after.plans.release.suggested).toBe("v1.1.0");
    expect(await fieldError(caller(lead).releases.start({ ...R, kind: "release", version: "v1.0.0" }))).toMatch(/already released|not higher/);
  });
});
