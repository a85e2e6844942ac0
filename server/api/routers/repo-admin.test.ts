import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { callerAs } from "@/test/support/trpc";
import { runGit } from "@/server/git/plumbing/cli";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { startFlowBranch } from "@/server/git/flow";
import { repoDir } from "@/server/git/paths";
import { checkPush } from "@/server/auth/policies/push";
import { pusherAs } from "@/test/support/actors";
import { getRepo, listProtections } from "@/server/git/repos";
import { queues, stopBoss } from "@/server/jobs";
import { startJobWorker } from "@/test/support/job-worker";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { and, eq, sql } from "drizzle-orm";
import { intents, webhookDeliveries } from "@/db/schema";
import { createHook } from "@/server/webhooks";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-repo-admin-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "x".repeat(40), PUBLIC_URL: "http://rookery.test" });
const pw = "Sturdy-pass-2026";
const ORG = "flowco";
const Z = "0".repeat(40);

const caller = callerAs(db);
const as = (user: User) => caller(user).repoAdmin;

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    const cause = e.cause as { field?: string } | undefined;
    return { code: e.code, field: cause?.field, message: e.message };
  }
  throw new Error("expected a failure");
}

const git = async (dir: string, ...args: string[]) => (await runGit(args, { cwd: dir })).stdout.trim();
const head = (dir: string, branch: string) => git(dir, "rev-parse", `refs/heads/${branch}`);
const exists = async (dir: string, ref: string) => (await runGit(["rev-parse", "--verify", "--quiet", ref], { cwd: dir, allowFailure: true })).code === 0;

let lead: User, dev: User, rep: User, outsider: User;

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  lead = await createLocalUser(db(), { username: "fl-lead", password: pw, displayName: "Lena Lead", email: "lena@example.test" });
  dev = await createLocalUser(db(), { username: "fl-dev", password: pw, displayName: "Dev Eloper" });
  rep = await createLocalUser(db(), { username: "fl-rep", password: pw });
  outsider = await createLocalUser(db(), { username: "fl-out", password: pw });
  const org = await createOrg(db(), { name: ORG, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db(), org.id, "fl-dev", "developer");
  await addMember(db(), org.id, "fl-rep", "reporter");
});

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("creating repositories", () => {
  it("creates row and bare repo with a README on develop and master", async () => {
    expect(await as(dev).create({ slug: ORG, name: "app-config", description: "App settings", withReadme: true })).toEqual({ name: "app-config" });
    const row = await getRepo(db(), ORG, "app-config");
    expect(row).toMatchObject({ description: "App settings", defaultBranch: "develop", kind: "standard" });
    const dir = repoDir(ORG, "app-config");
    expect(await head(dir, "develop")).toBe(await head(dir, "master"));
    expect(await git(dir, "show", "develop:README.md")).toContain("App settings");
    expect(await git(dir, "symbolic-ref", "HEAD")).toBe("refs/heads/develop");
    expect(fs.existsSync(path.join(dir, "hooks/pre-receive"))).toBe(true);
    // New repositories get the git-flow protections too.
    expect((await listProtections(db(), row!.id)).map((p) => p.pattern)).toEqual(["develop", "hotfix/*", "master", "release/*"]);
  });

  it("creates an empty repository without a README", async () => {
    await as(lead).create({ slug: ORG, name: "scratch", defaultBranch: "main" });
    const dir = repoDir(ORG, "scratch");
    expect(await git(dir, "for-each-ref")).toBe("");
    expect(await git(dir, "symbolic-ref", "HEAD")).toBe("refs/heads/main");
  });

  it("answers bad names with field errors, and non-writers with denials", async () => {
    expect(await failure(as(dev).create({ slug: ORG, name: "../etc" }))).toMatchObject({ code: "BAD_REQUEST", field: "name" });
    expect(await failure(as(dev).create({ slug: ORG, name: "x.git" }))).toMatchObject({ field: "name" });
    expect(await failure(as(dev).create({ slug: ORG, name: "new" }))).toMatchObject({ field: "name", message: '"new" is reserved' });
    expect(await failure(as(dev).create({ slug: ORG, name: "new-mirror" }))).toMatchObject({ field: "name", message: '"new-mirror" is reserved' });
    expect(await failure(as(dev).create({ slug: ORG, name: "app-config" }))).toMatchObject({ field: "name", message: expect.stringMatching(/already exists/) });
    expect(await failure(as(dev).create({ slug: ORG, name: "APP-Config" }))).toMatchObject({ field: "name", message: expect.stringMatching(/already exists/) });
    expect(fs.existsSync(repoDir(ORG, "APP-Config"))).toBe(false);
    expect(await failure(as(dev).create({ slug: ORG, name: "ok", defaultBranch: "bad..branch" }))).toMatchObject({ field: "defaultBranch" });
    expect(await failure(as(rep).create({ slug: ORG, name: "nope" }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(as(outsider).create({ slug: ORG, name: "nope" }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await getRepo(db(), ORG, "ok")).toBeNull();
  });

  it("rolls the row back when the disk part fails", async () => {
    await createOrg(db(), { name: "brokenco", source: "local", members: [{ userId: lead.id, role: "leader" }] });
    fs.mkdirSync(path.join(dataDir, "git"), { recursive: true });
    fs.writeFileSync(path.join(dataDir, "git", "brokenco"), "not a directory"); // mkdir of the org dir fails
    const r = await failure(as(lead).create({ slug: "brokenco", name: "doomed", withReadme: true }));
    expect(r.code).toBe("INTERNAL_SERVER_ERROR");
    expect(await getRepo(db(), "brokenco", "doomed")).toBeNull();
  });
});

describe("settings, rename, archive, delete", () => {
  it("is for leaders only", async () => {
    expect(await failure(as(dev).settings({ slug: ORG, name: "app-config" }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(as(outsider).settings({ slug: ORG, name: "app-config" }))).toMatchObject({ code: "NOT_FOUND" });
    const s = await as(lead).settings({ slug: ORG, name: "app-config" });
    expect(s.branches.sort()).toEqual(["develop", "master"]);
    expect(s.managedReason).toBeNull();
    expect((await as(lead).settings({ slug: ORG, name: "role" })).managedReason).toMatch(/read-only mirror of infrastructure\/role/);
    expect((await as(lead).settings({ slug: ORG, name: "puppet" })).managedReason).toMatch(/control repository/);
  });

  it("queues housekeeping for leaders, once while one waits, and shows its last run", async () => {
    await as(lead).create({ slug: ORG, name: "tidy", withReadme: true });
    const ref = { slug: ORG, name: "tidy" };
    expect((await as(lead).settings(ref)).housekeeping).toEqual({ last: null, cron: "45 4 * * *" });
    expect(await failure(as(dev).runHousekeeping(ref))).toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(as(outsider).runHousekeeping(ref))).toMatchObject({ code: "NOT_FOUND" });
    expect(await as(lead).runHousekeeping(ref)).toEqual({ queued: true });
    expect(await as(lead).runHousekeeping(ref)).toEqual({ queued: false });
    const worker = await startJobWorker([queues.gitHousekeeping]);
    try {
      await expect.poll(async () => (await as(lead).settings(ref)).housekeeping.last?.status, { timeout: 30_000 }).toBe("ok");
    } finally {
      await worker.stop();
    }
    expect((await as(lead).settings(ref)).housekeeping.last).toMatchObject({
      trigger: "manual",
      triggeredBy: lead.id,
      triggeredByUsername: "fl-lead",
      error: null,
    });
  });

  it("edits description and default branch (which must exist), and HEAD follows", async () => {
    expect(await failure(as(lead).update({ slug: ORG, name: "app-config", description: "x", defaultBranch: "nope" }))).toMatchObject({
      field: "defaultBranch",
      message: "There is no branch named nope",
    });
    await as(lead).update({ slug: ORG, name: "app-config", description: "Application settings", defaultBranch: "master" });
    expect(await getRepo(db(), ORG, "app-config")).toMatchObject({ description: "Application settings", defaultBranch: "master" });
    expect(await git(repoDir(ORG, "app-config"), "symbolic-ref", "HEAD")).toBe("refs/heads/master");
    expect(await failure(as(dev).update({ slug: ORG, name: "app-config", description: "x", defaultBranch: "develop" }))).toMatchObject({ code: "FORBIDDEN" });
  });

  it("renames row and directory together", async () => {
    const oldDir = repoDir(ORG, "app-config");
    expect(await as(lead).rename({ slug: ORG, name: "app-config", newName: "app-settings" })).toEqual({ name: "app-settings" });
    expect(await getRepo(db(), ORG, "app-config")).toBeNull();
    expect(fs.existsSync(oldDir)).toBe(false);
    expect(await git(repoDir(ORG, "app-settings"), "show", "develop:README.md")).toContain("App settings");
    expect(await failure(as(lead).settings({ slug: ORG, name: "app-config" }))).toMatchObject({ code: "NOT_FOUND" });

    expect(await failure(as(lead).rename({ slug: ORG, name: "app-settings", newName: "scratch" }))).toMatchObject({
      field: "newName",
      message: expect.stringMatching(/already exists/),
    });
    expect(await failure(as(lead).rename({ slug: ORG, name: "app-settings", newName: "Scratch" }))).toMatchObject({
      field: "newName",
      message: expect.stringMatching(/already exists/),
    });
    expect(await failure(as(lead).rename({ slug: ORG, name: "app-settings", newName: "a/b" }))).toMatchObject({ field: "newName" });
    expect(await failure(as(lead).rename({ slug: ORG, name: "role", newName: "my-role" }))).toMatchObject({
      field: "newName",
      message: expect.stringMatching(/cannot be renamed/),
    });
    expect(await failure(as(lead).rename({ slug: ORG, name: "puppet", newName: "control" }))).toMatchObject({ field: "newName" });
    expect(fs.existsSync(repoDir(ORG, "app-settings"))).toBe(true);
  });

  it("archives: pushes, git-flow starts and browser commits are refused until unarchived", async () => {
    await as(lead).setArchived({ slug: ORG, name: "app-settings", archived: true });
    const repo = (await getRepo(db(), ORG, "app-settings"))!;
    expect(repo.archivedAt).not.toBeNull();
    const verdict = checkPush(repo, pusherAs("leader"), [], [{ ref: "refs/heads/feature/x", oldSha: Z, newSha: "a".repeat(40) }]);
    expect(verdict.messages).toEqual([`${ORG}/app-settings is archived and read-only`]);
    expect(await failure(as(dev).startBranch({ slug: ORG, name: "app-settings", kind: "feature", branch: "x" }))).toMatchObject({
      field: "name",
      message: expect.stringMatching(/archived/),
    });
    expect((await as(dev).flow({ slug: ORG, name: "app-settings" })).canWrite).toBe(false);
    expect(await as(lead).access({ slug: ORG, name: "app-settings" })).toEqual({ canWrite: false, canAdmin: true });
    await as(lead).setArchived({ slug: ORG, name: "app-settings", archived: false });
    expect((await getRepo(db(), ORG, "app-settings"))!.archivedAt).toBeNull();
    expect(await failure(as(lead).setArchived({ slug: ORG, name: "profile", archived: true }))).toMatchObject({ field: "archived" });
  });

  it("deletes row and directory after the name is typed", async () => {
    const dir = repoDir(ORG, "scratch");
    expect(await failure(as(lead).delete({ slug: ORG, name: "scratch", confirm: "scrat" }))).toMatchObject({
      field: "confirm",
      message: "Type scratch to confirm",
    });
    expect(fs.existsSync(dir)).toBe(true);
    expect(await failure(as(dev).delete({ slug: ORG, name: "scratch", confirm: "scratch" }))).toMatchObject({ code: "FORBIDDEN" });
    await as(lead).delete({ slug: ORG, name: "scratch", confirm: "scratch" });
    expect(await getRepo(db(), ORG, "scratch")).toBeNull();
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readdirSync(path.dirname(dir)).filter((f) => f.startsWith(".trash"))).toEqual([]);
    expect(await failure(as(lead).delete({ slug: ORG, name: "puppet", confirm: "puppet" }))).toMatchObject({ field: "confirm" });
    expect(await failure(as(lead).delete({ slug: ORG, name: "role", confirm: "role" }))).toMatchObject({ field: "confirm" });
    expect(fs.existsSync(repoDir(ORG, "puppet"))).toBe(true);
  });
});

describe("branch protection rules", () => {
  const A = "a".repeat(40);
  const devPusher = pusherAs("developer");
  const verdict = async (ref: string) => {
    const repo = (await getRepo(db(), ORG, "app-settings"))!;
    return checkPush(repo, devPusher, await listProtections(db(), repo.id), [{ ref, oldSha: A, newSha: "b".repeat(40) }]);
  };

  it("adds, edits and removes rules, and pushes see the change at once", async () => {
    const rule = { pattern: "feature/*", pushAccess: "leaders" as const, allowForcePush: false, allowDeletion: true };
    expect((await verdict("refs/heads/feature/a")).ok).toBe(true);
    const { id } = await as(lead).addProtection({ slug: ORG, name: "app-settings", rule });
    expect((await verdict("refs/heads/feature/a")).messages).toEqual(["feature/a is protected: open a merge request"]);

    await as(lead).updateProtection({ slug: ORG, name: "app-settings", id, rule: { ...rule, pushAccess: "developers" } });
    expect((await verdict("refs/heads/feature/a")).ok).toBe(true);

    const develop = (await as(lead).settings({ slug: ORG, name: "app-settings" })).protections.find((p) => p.pattern === "develop")!;
    expect((await verdict("refs/heads/develop")).ok).toBe(false);
    await as(lead).updateProtection({
      slug: ORG,
      name: "app-settings",
      id: develop.id,
      rule: { pattern: "develop", pushAccess: "developers", allowForcePush: false, allowDeletion: false },
    });
    expect((await verdict("refs/heads/develop")).ok).toBe(true);

    await as(lead).removeProtection({ slug: ORG, name: "app-settings", id });
    const left = (await as(lead).settings({ slug: ORG, name: "app-settings" })).protections.map((p) => p.pattern);
    expect(left).toEqual(["develop", "hotfix/*", "master", "release/*"]);
  });

  it("validates patterns and refuses duplicates", async () => {
    const rule = { pushAccess: "nobody" as const, allowForcePush: false, allowDeletion: false };
    for (const pattern of ["feat*", "*", "release/", "a..b", "-x", "x/*/y", "rel ease"])
      expect(await failure(as(lead).addProtection({ slug: ORG, name: "app-settings", rule: { ...rule, pattern } }))).toMatchObject({ field: "pattern" });
    expect(await failure(as(lead).addProtection({ slug: ORG, name: "app-settings", rule: { ...rule, pattern: "master" } }))).toMatchObject({
      field: "pattern",
      message: "There is already a rule for master",
    });
    expect(await failure(as(lead).addProtection({ slug: ORG, name: "app-settings", rule: { ...rule, pattern: "Master" } }))).toMatchObject({
      field: "pattern",
      message: "There is already a rule for Master",
    });
    const { id } = await as(lead).addProtection({ slug: ORG, name: "app-settings", rule: { ...rule, pattern: "support/*" } });
    expect(await failure(as(lead).updateProtection({ slug: ORG, name: "app-settings", id, rule: { ...rule, pattern: "develop" } }))).toMatchObject({
      field: "pattern",
    });
    expect(await failure(as(dev).addProtection({ slug: ORG, name: "app-settings", rule: { ...rule, pattern: "x" } }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(as(lead).addProtection({ slug: ORG, name: "role", rule: { ...rule, pattern: "x" } }))).toMatchObject({ field: "pattern" });
  });
});

describe("git-flow start buttons", () => {
  it("starts feature, release and hotfix branches from the right base", async () => {
    const dir = repoDir(ORG, "puppet");
    const developSha = await head(dir, "develop");
    expect(await as(dev).startBranch({ slug: ORG, name: "puppet", kind: "feature", branch: "ntp" })).toEqual({
      branch: "feature/ntp",
      base: "develop",
      sha: developSha,
    });
    expect(await head(dir, "feature/ntp")).toBe(developSha);
    expect(await failure(as(dev).startBranch({ slug: ORG, name: "puppet", kind: "feature", branch: "feature/ntp" }))).toMatchObject({
      field: "name",
      message: "feature/ntp already exists",
    });
    expect(await failure(as(dev).startBranch({ slug: ORG, name: "puppet", kind: "feature", branch: "bad name" }))).toMatchObject({ field: "name" });
    expect(await failure(as(dev).startBranch({ slug: ORG, name: "puppet", kind: "feature", branch: "x..y" }))).toMatchObject({ field: "name" });

    // Versions: suggestions follow the highest semver tag.
    await git(dir, "update-ref", "refs/tags/v1.2.0", await head(dir, "master"));
    await git(dir, "update-ref", "refs/tags/v1.10.0", await head(dir, "master"));
    expect((await as(dev).flow({ slug: ORG, name: "puppet" })).suggestions).toMatchObject({ latestTag: "v1.10.0", release: "v1.11.0", hotfix: "v1.10.1" });
    expect(await as(dev).startBranch({ slug: ORG, name: "puppet", kind: "release", branch: "1.11.0" })).toMatchObject({
      branch: "release/v1.11.0",
      base: "develop",
    });
    expect(await as(dev).startBranch({ slug: ORG, name: "puppet", kind: "hotfix", branch: "v1.10.1" })).toMatchObject({
      branch: "hotfix/v1.10.1",
      base: "master",
      sha: await head(dir, "master"),
    });
    // Started versions are skipped by the next suggestion.
    expect((await as(dev).flow({ slug: ORG, name: "puppet" })).suggestions).toMatchObject({ release: "v1.12.0", hotfix: "v1.10.2" });
    expect(await failure(as(dev).startBranch({ slug: ORG, name: "puppet", kind: "release", branch: "v1.2" }))).toMatchObject({
      field: "name",
      message: expect.stringMatching(/vX\.Y\.Z/),
    });
    expect(await failure(as(dev).startBranch({ slug: ORG, name: "puppet", kind: "release", branch: "v1.2.0" }))).toMatchObject({
      field: "name",
      message: expect.stringMatching(/already released/),
    });
    expect(await failure(as(rep).startBranch({ slug: ORG, name: "puppet", kind: "feature", branch: "r" }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await as(rep).access({ slug: ORG, name: "puppet" })).toEqual({ canWrite: false, canAdmin: false });
    expect(await as(dev).access({ slug: ORG, name: "puppet" })).toEqual({ canWrite: true, canAdmin: false });
    expect(await as(dev).access({ slug: ORG, name: "role" })).toEqual({ canWrite: false, canAdmin: false });
    expect(await failure(as(outsider).access({ slug: ORG, name: "puppet" }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await failure(as(dev).startBranch({ slug: ORG, name: "role", kind: "feature", branch: "r" }))).toMatchObject({
      field: "name",
      message: expect.stringMatching(/read-only mirror/),
    });
    await as(dev).create({ slug: ORG, name: "empty-one" });
    expect(await failure(as(dev).startBranch({ slug: ORG, name: "empty-one", kind: "hotfix", branch: "v0.0.1" }))).toMatchObject({
      field: "name",
      message: "This repository has no master branch to start from",
    });
  });

  it("never moves an existing branch: concurrent starts of one name, one wins", async () => {
    const repo = (await getRepo(db(), ORG, "puppet"))!;
    const dir = repoDir(ORG, "puppet");
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => startFlowBranch(dir, repo, pusherAs("developer"), [], "feature", "race")));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.message)).toEqual(
      Array(3).fill("feature/race already exists"),
    );
  });
});

describe("edit in the browser", () => {
  const file = "hieradata/common.yaml";
  const seg = (branch: string, p = file) => [...branch.split("/"), ...p.split("/")];

  it("shows the file and where a developer may commit it", async () => {
    const e = await as(dev).editor({ slug: ORG, name: "puppet", segments: seg("develop"), mode: "edit" });
    expect(e).toMatchObject({ kind: "editor", branch: "develop", path: file, canCommitHere: false });
    if (e.kind !== "editor") throw new Error("editor expected");
    expect(e.content).toContain("# Data for every host");
    expect(e.whyNotHere).toBe("develop is protected: open a merge request");
    expect(e.featureBranches.map((b) => b.name)).toEqual(expect.arrayContaining(["feature/ntp", "feature/race"]));
    // Branch names with slashes: the longest branch wins.
    const f = await as(dev).editor({ slug: ORG, name: "puppet", segments: seg("feature/ntp"), mode: "edit" });
    expect(f).toMatchObject({ branch: "feature/ntp", path: file, canCommitHere: true });
    expect(await failure(as(dev).editor({ slug: ORG, name: "puppet", segments: seg("develop", "nope.yaml"), mode: "edit" }))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await failure(as(dev).editor({ slug: ORG, name: "puppet", segments: ["develop", "..", "x"], mode: "edit" }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await failure(as(rep).editor({ slug: ORG, name: "puppet", segments: seg("develop"), mode: "edit" }))).toMatchObject({ code: "FORBIDDEN" });
  });

  it("refuses protected branches like a push does, and bad YAML before anything is written", async () => {
    const dir = repoDir(ORG, "puppet");
    const develop = await head(dir, "develop");
    const base = { slug: ORG, name: "puppet", branch: "develop", path: file, message: "NTP servers", expectedSha: develop, isNew: false };
    expect(await failure(as(dev).commit({ ...base, content: "---\nntp::servers: [a]\n", target: { kind: "current" } }))).toMatchObject({
      field: "target",
      message: "develop is protected: open a merge request",
    });
    const bad = await failure(as(dev).commit({ ...base, content: "---\nntp::servers:\n  - a\n\tbad: 1\n", target: { kind: "new-feature", name: "web-ntp" } }));
    expect(bad).toMatchObject({ field: "content", message: "hieradata/common.yaml: line 4, column 1: Tabs are not allowed as indentation" });
    expect(await exists(dir, "refs/heads/feature/web-ntp")).toBe(false);
    expect(await head(dir, "develop")).toBe(develop);
    const badPuppetfile = await failure(
      as(dev).commit({ ...base, path: "Puppetfile", content: "mod 'x'\n  :git => 'u'\n", target: { kind: "new-feature", name: "pf" } }),
    );
    expect(badPuppetfile).toMatchObject({ field: "content", message: expect.stringMatching(/^Puppetfile: line 2, column 3: /) });
  });

  it("commits to a new feature branch from the branch it was opened on, as the user", async () => {
    const dir = repoDir(ORG, "puppet");
    const develop = await head(dir, "develop");
    const content = "---\nntp::servers:\n  - pool.ntp.org\n";
    const done = await as(dev).commit({
      slug: ORG,
      name: "puppet",
      branch: "develop",
      path: file,
      content,
      message: "NTP servers for everyone",
      expectedSha: develop,
      isNew: false,
      target: { kind: "new-feature", name: "web-ntp" },
    });
    expect(done).toMatchObject({ branch: "feature/web-ntp", path: file });
    expect(await git(dir, "show", `feature/web-ntp:${file}`)).toBe(content.trim());
    expect(await git(dir, "log", "-1", "--format=%an <%ae>|%s|%P", "feature/web-ntp")).toBe(
      `Dev Eloper <fl-dev@rookery.test>|NTP servers for everyone|${develop}`,
    );
    expect(await head(dir, "develop")).toBe(develop);
    expect(await git(dir, "for-each-ref", "refs/rookery/")).toBe("");
    expect((await getRepo(db(), ORG, "puppet"))!.pushedAt).not.toBeNull();
    // the browser commit went through a push intent, completed with the ref it moved (docs/intents.md)
    const [intent] = await db()
      .select()
      .from(intents)
      .where(and(eq(intents.kind, "push"), sql`${intents.updates}::text LIKE ${`%${done.sha}%`}`));
    expect(intent).toMatchObject({ state: "done", updates: [{ ref: "refs/heads/feature/web-ntp", newSha: done.sha }] });
    // Taking the name again is a field error, not a silent move.
    const again = await failure(
      as(dev).commit({
        slug: ORG,
        name: "puppet",
        branch: "develop",
        path: file,
        content,
        message: "m",
        expectedSha: develop,
        isNew: false,
        target: { kind: "new-feature", name: "web-ntp" },
      }),
    );
    expect(again).toMatchObject({ field: "featureName", message: expect.stringMatching(/already exists/) });
  });

  it("signs a commit off when asked, with the user's own Signed-off-by trailer, once", async () => {
    const dir = repoDir(ORG, "puppet");
    const before = await head(dir, "feature/web-ntp");
    const e = await as(dev).editor({ slug: ORG, name: "puppet", segments: seg("feature/web-ntp", file), mode: "edit" });
    expect(e).toMatchObject({ signoffAs: "Dev Eloper <fl-dev@rookery.test>" });
    const input = { slug: ORG, name: "puppet", branch: "feature/web-ntp", path: file, isNew: false, target: { kind: "current" as const }, signoff: true };
    const one = await as(dev).commit({ ...input, content: "---\nntp::servers:\n  - b.pool.ntp.org\n", message: "Pool b", expectedSha: before });
    expect(await git(dir, "log", "-1", "--format=%B", one.sha)).toBe("Pool b\n\nSigned-off-by: Dev Eloper <fl-dev@rookery.test>");
    const two = await as(dev).commit({
      ...input,
      content: "---\nntp::servers:\n  - c.pool.ntp.org\n",
      message: "Pool c\n\nCo-authored-by: X <x@y>\nSigned-off-by: Dev Eloper <fl-dev@rookery.test>",
      expectedSha: one.sha,
    });
    expect(await git(dir, "log", "-1", "--format=%B", two.sha)).toBe("Pool c\n\nCo-authored-by: X <x@y>\nSigned-off-by: Dev Eloper <fl-dev@rookery.test>");
  });

  it("commits on top of a feature branch with compare-and-swap, and refuses when it moved", async () => {
    const dir = repoDir(ORG, "puppet");
    const before = await head(dir, "feature/web-ntp");
    const input = { slug: ORG, name: "puppet", branch: "feature/web-ntp", path: file, message: "More NTP", isNew: false, target: { kind: "current" as const } };
    const one = await as(lead).commit({ ...input, content: "---\nntp::servers:\n  - a.pool.ntp.org\n", expectedSha: before });
    expect(await git(dir, "rev-parse", `${one.sha}^`)).toBe(before);
    expect(await git(dir, "log", "-1", "--format=%an <%ae>", "feature/web-ntp")).toBe("Lena Lead <lena@example.test>");
    // Someone pushed in between: the editor's expected parent is stale.
    const stale = await failure(as(dev).commit({ ...input, content: "---\nx: 1\n", expectedSha: before }));
    expect(stale).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/moved since you opened the editor/) });
    expect(await head(dir, "feature/web-ntp")).toBe(one.sha);
  });

  it("commits to an existing feature branch only when its copy of the file is the one edited", async () => {
    const dir = repoDir(ORG, "puppet");
    const develop = await head(dir, "develop");
    const ntp = await head(dir, "feature/ntp"); // same file as develop
    const base = { slug: ORG, name: "puppet", branch: "develop", path: file, message: "via develop", expectedSha: develop, isNew: false };
    const ok = await as(dev).commit({ ...base, content: "---\nfoo: bar\n", target: { kind: "existing-feature", branch: "feature/ntp", expectedSha: ntp } });
    expect(ok.branch).toBe("feature/ntp");
    expect(await git(dir, "rev-parse", `${ok.sha}^`)).toBe(ntp);
    // feature/web-ntp changed this file: committing develop's edit there would revert that.
    const webNtp = await head(dir, "feature/web-ntp");
    expect(
      await failure(
        as(dev).commit({ ...base, content: "---\nfoo: baz\n", target: { kind: "existing-feature", branch: "feature/web-ntp", expectedSha: webNtp } }),
      ),
    ).toMatchObject({
      field: "target",
      message: expect.stringMatching(/has a different version/),
    });
    expect(
      await failure(as(dev).commit({ ...base, content: "---\n", target: { kind: "existing-feature", branch: "develop", expectedSha: develop } })),
    ).toMatchObject({ field: "target" });
  });

  it("adds new files, never over existing ones or outside the tree", async () => {
    const dir = repoDir(ORG, "puppet");
    const sha = await head(dir, "feature/ntp");
    const base = {
      slug: ORG,
      name: "puppet",
      branch: "feature/ntp",
      message: "web1 data",
      expectedSha: sha,
      isNew: true,
      target: { kind: "current" as const },
    };
    const n = await as(dev).editor({ slug: ORG, name: "puppet", segments: ["feature", "ntp", "hieradata", "nodes"], mode: "new" });
    expect(n).toMatchObject({ branch: "feature/ntp", path: "hieradata/nodes", content: "" });
    const done = await as(dev).commit({ ...base, path: "hieradata/nodes/web1.example.com.yaml", content: "---\nprofile::web::port: 8080\n" });
    expect(await git(dir, "show", `${done.sha}:hieradata/nodes/web1.example.com.yaml`)).toContain("8080");
    const next = { ...base, expectedSha: done.sha };
    expect(await failure(as(dev).commit({ ...next, path: "hieradata/common.yaml", content: "---\n" }))).toMatchObject({
      field: "path",
      message: expect.stringMatching(/already exists/),
    });
    expect(await failure(as(dev).commit({ ...next, path: "README.md/x", content: "x" }))).toMatchObject({
      field: "path",
      message: "README.md is a file, not a directory",
    });
    for (const bad of ["../x", "/etc/passwd", "a/../../x", ".git/config", "a//b", "x\0y"])
      expect(await failure(as(dev).commit({ ...next, path: bad, content: "x" }))).toMatchObject({ field: "path" });
    expect(await head(dir, "feature/ntp")).toBe(done.sha);
  });

  it("keeps the executable bit and Windows line endings of edited files", async () => {
    const dir = repoDir(ORG, "puppet");
    const { commitFiles } = await import("@/server/git/plumbing/commit");
    const start = await commitFiles(dir, {
      branch: "feature/scripts",
      parent: await head(dir, "develop"),
      files: { "bin/deploy.sh": "#!/bin/sh\r\necho hi\r\n" },
      modes: { "bin/deploy.sh": "100755" },
      message: "script",
    });
    const done = await as(dev).commit({
      slug: ORG,
      name: "puppet",
      branch: "feature/scripts",
      path: "bin/deploy.sh",
      content: "#!/bin/sh\necho hello\n",
      message: "louder",
      expectedSha: start,
      isNew: false,
      target: { kind: "current" },
    });
    expect(await git(dir, "ls-tree", done.sha, "bin/deploy.sh")).toMatch(/^100755 blob/);
    expect((await runGit(["cat-file", "-p", `${done.sha}:bin/deploy.sh`], { cwd: dir })).stdout).toBe("#!/bin/sh\r\necho hello\r\n");
  });

  it("fires push webhooks for browser commits and git-flow starts, as the user who made them", async () => {
    const repo = (await getRepo(db(), ORG, "puppet"))!;
    const hook = await createHook(db(), { orgId: repo.orgId, repoId: repo.id }, { url: "http://127.0.0.1:9/hook", events: ["push"] });
    const dir = repoDir(ORG, "puppet");
    const started = await as(dev).startBranch({ slug: ORG, name: "puppet", kind: "feature", branch: "hooked" });
    await as(dev).commit({
      slug: ORG,
      name: "puppet",
      branch: "feature/hooked",
      path: file,
      content: "---\nhooked: true\n",
      message: "Hooked edit",
      expectedSha: started.sha,
      isNew: false,
      target: { kind: "current" },
    });
    const bodies = (await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.hookId, hook.id))).map((d) => JSON.parse(d.requestBody));
    expect(bodies).toHaveLength(2);
    expect(bodies.every((b) => b.ref === "refs/heads/feature/hooked" && b.user_username === "fl-dev")).toBe(true);
    const tip = await head(dir, "feature/hooked");
    expect(bodies.some((b) => b.after === tip && b.commits?.[0]?.message?.startsWith("Hooked edit"))).toBe(true);
  });
});
