import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { branchProtections, intents, mergeRequestEvents, mergeRequests, releases, webhookDeliveries, webhooks } from "@/db/schema";
import { runCrashChild } from "@/test/support/crash-child";
import { testDatabase } from "@/test/support/db";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { isAncestor } from "@/server/git/plumbing/merge";
import { getRepo, type RepoWithOrg } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { createMergeRequest, getMergeRequestById } from "@/server/mergerequests";
import { mergeMergeRequest, refreshMergeRequest } from "@/server/mergerequests/merge";
import { createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { afterWorkJob, reconcileIntents } from "./reconcile";

/**
 * The crash suite for merges: a real child process merges against this file's database
 * and repository and is SIGKILLed at each named point (ROOKERY_CRASH_AT); the reconciler
 * must then leave git and the database agreeing, with the after-work run exactly once.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-crash-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "c".repeat(40), PUBLIC_URL: "http://rookery.test" });
const ORG = "crashco";
const TARGET = "integration";

let lead: User;
let repo: RepoWithOrg;
let dir = "";

const git = async (...args: string[]) => (await runGit(args, { cwd: dir })).stdout.trim();
const head = (branch: string) => git("rev-parse", `refs/heads/${branch}`);
const branchExists = async (branch: string) =>
  (await runGit(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], { cwd: dir, allowFailure: true })).code === 0;

/** A real merge in a child process, killed at `crashAt`. */
const mergeInChild = (mrId: string, headSha: string, crashAt: string) =>
  runCrashChild("test/support/merge-child.ts", [repo.id, mrId, lead.id, headSha], crashAt);

/** A source branch with one commit and its open MR into TARGET. */
async function openMr(name: string) {
  await commitFiles(dir, { branch: name, parent: await head(TARGET), files: { [`${name.replace("/", "-")}.txt`]: `${name}\n` }, message: `work on ${name}` });
  return createMergeRequest(db(), repo, dir, lead, { title: `Merge ${name}`, description: "", sourceBranch: name, targetBranch: TARGET, reviewers: [] });
}

/** One merge's after-work, as countable rows: webhook deliveries by event and source deletions. */
async function afterWorkTrace() {
  const rows = await db().select({ event: webhookDeliveries.event, n: count() }).from(webhookDeliveries).groupBy(webhookDeliveries.event);
  const [deleted] = await db().select({ n: count() }).from(mergeRequestEvents).where(eq(mergeRequestEvents.kind, "source_deleted"));
  return { ...Object.fromEntries(rows.map((r) => [r.event, r.n])), source_deleted: deleted.n } as Record<string, number>;
}
const diff = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.keys({ ...a, ...b }).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));

/** The killed child's transaction may hold its intent until PostgreSQL notices the dead connection. */
async function reconcile() {
  for (let i = 0; i < 50; i++) {
    const r = await reconcileIntents(db());
    if (!r.busy) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error("an intent stayed locked");
}

async function assertInvariants() {
  expect((await runGit(["fsck", "--full"], { cwd: dir, allowFailure: true })).code).toBe(0);
  expect(await db().select().from(intents).where(eq(intents.state, "pending"))).toEqual([]);
  for (const mr of await db().select().from(mergeRequests).where(eq(mergeRequests.repoId, repo.id))) {
    const contained = await isAncestor(dir, mr.headSha!, await head(mr.targetBranch));
    expect(mr.state === "merged", `!${mr.number} ${mr.state}`).toBe(contained);
  }
}

/** What one uncrashed merge leaves behind: every crashed merge must leave the same, once. */
let oneMerge: Record<string, number>;

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  lead = await createLocalUser(db(), { username: "crash-lead", password: "Crash-pass-2026", displayName: "Lena Lead" });
  const org = await createOrg(db(), { name: ORG, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  repo = (await getRepo(db(), ORG, "puppet"))!;
  dir = await ensureRepoOnDisk(db(), repo);
  await commitFiles(dir, { branch: TARGET, parent: await head("develop"), files: { "integration.txt": "x\n" }, message: "integration branch" });
  await db()
    .insert(webhooks)
    .values({ orgId: org.id, repoId: repo.id, url: "http://127.0.0.1:9/hook", events: ["push", "tag", "merge_request", "merge"] });
  // no merge rules: this suite is about git and the database agreeing, not about approvals
  await db().delete(branchProtections).where(eq(branchProtections.repoId, repo.id));
});

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("a merge killed at each point", { timeout: 90_000 }, () => {
  it("without a crash, the child merges and the after-work runs once (the reference)", async () => {
    const mr = await openMr("feature/ref");
    const before = await afterWorkTrace();
    const r = await mergeInChild(mr.id, mr.headSha!, "");
    expect(r, r.output).toMatchObject({ code: 0, signal: null });
    oneMerge = diff(before, await afterWorkTrace());
    expect(oneMerge).toEqual({ push: 2, merge_request: 1, merge: 1, source_deleted: 1 });
    expect((await getMergeRequestById(db(), mr.id))!.state).toBe("merged");
    await assertInvariants();
  });

  it("after the intent, before the ref move: rolled back, the MR stays open and merges again", async () => {
    const mr = await openMr("feature/early");
    const target = await head(TARGET);
    const before = await afterWorkTrace();
    const r = await mergeInChild(mr.id, mr.headSha!, "merge:after-intent");
    expect(r.signal, r.output).toBe("SIGKILL");
    expect(await head(TARGET)).toBe(target);
    expect(await reconcile()).toMatchObject({ rolledBack: 1, completed: 0, markedMerged: 0 });
    expect((await getMergeRequestById(db(), mr.id))!.state).toBe("open");
    expect(diff(before, await afterWorkTrace())).toEqual({ push: 0, merge_request: 0, merge: 0, source_deleted: 0 });
    await assertInvariants();

    const again = await mergeMergeRequest(db(), repo, mr.id, lead, { method: "merge", deleteSource: true, expectedHeadSha: mr.headSha! });
    expect(again.mergeRequest.state).toBe("merged");
    expect(diff(before, await afterWorkTrace())).toEqual(oneMerge);
    await assertInvariants();
  });

  it("after the ref move, before the completion: completed by the reconciler, after-work once", async () => {
    const mr = await openMr("feature/late");
    const target = await head(TARGET);
    const before = await afterWorkTrace();
    const r = await mergeInChild(mr.id, mr.headSha!, "merge:after-ref-move");
    expect(r.signal, r.output).toBe("SIGKILL");
    const moved = await head(TARGET);
    expect(moved).not.toBe(target);
    expect((await getMergeRequestById(db(), mr.id))!.state).toBe("open");

    expect(await reconcile()).toMatchObject({ completed: 1, rolledBack: 0, afterWork: 1 });
    const merged = (await getMergeRequestById(db(), mr.id))!;
    expect(merged).toMatchObject({ state: "merged", mergeCommitSha: moved, mergedById: lead.id });
    expect(await branchExists("feature/late")).toBe(false);
    expect(diff(before, await afterWorkTrace())).toEqual(oneMerge);
    // settled for good: neither the reconciler nor the queued after-work job run anything again
    const [intent] = await db().select().from(intents).where(eq(intents.subjectId, mr.id));
    expect(await reconcile()).toMatchObject({ completed: 0, rolledBack: 0, afterWork: 0 });
    expect(await afterWorkJob(db(), { intentId: intent.id })).toEqual({ ran: false });
    expect(diff(before, await afterWorkTrace())).toEqual(oneMerge);
    await assertInvariants();
  });

  it("after the completion, before the after-work: the queued job runs it once", async () => {
    const mr = await openMr("feature/done");
    const before = await afterWorkTrace();
    const r = await mergeInChild(mr.id, mr.headSha!, "merge:after-completion");
    expect(r.signal, r.output).toBe("SIGKILL");
    expect((await getMergeRequestById(db(), mr.id))!.state).toBe("merged");
    expect(diff(before, await afterWorkTrace())).toMatchObject({ push: 0, merge: 0, source_deleted: 0 });

    const [intent] = await db().select().from(intents).where(eq(intents.subjectId, mr.id));
    expect(intent).toMatchObject({ state: "done", afterWorkAt: null });
    // the net: the after-work job committed with the completion
    const jobs = await db().execute(sql`select 1 from pgboss.job where name = 'intent-after-work' and data->>'intentId' = ${intent.id}`);
    expect(jobs).toHaveLength(1);
    expect(await afterWorkJob(db(), { intentId: intent.id })).toEqual({ ran: true });
    expect(await afterWorkJob(db(), { intentId: intent.id })).toEqual({ ran: false });
    expect(diff(before, await afterWorkTrace())).toEqual(oneMerge);
    await assertInvariants();
  });

  it("an open MR whose target already contains its head (a completion lost before intents) is marked merged", async () => {
    const mr = await openMr("feature/lost");
    const target = await head(TARGET);
    await git("update-ref", `refs/heads/${TARGET}`, mr.headSha!, target);
    await refreshMergeRequest(db(), mr.id);
    expect((await getMergeRequestById(db(), mr.id))!).toMatchObject({ state: "open" });
    expect(await reconcile()).toMatchObject({ markedMerged: 1 });
    expect((await getMergeRequestById(db(), mr.id))!.state).toBe("merged");
    await assertInvariants();
  });
});

describe("release finishing killed at each point", { timeout: 90_000 }, () => {
  /** release/<version> from develop with its CHANGELOG entry, develop moved on since, and the MR into master. */
  async function releaseMr(version: string) {
    const branch = `release/${version}`;
    await commitFiles(dir, {
      branch,
      parent: await head("develop"),
      files: { "CHANGELOG.md": `## ${version} (2026-12-07)\n\n- things\n` },
      message: `Release ${version}`,
    });
    await commitFiles(dir, { branch: "develop", parent: await head("develop"), files: { [`after-${version}.txt`]: "x\n" }, message: "develop moves on" });
    return createMergeRequest(db(), repo, dir, lead, {
      title: `Release ${version}`,
      description: "",
      sourceBranch: branch,
      targetBranch: "master",
      reviewers: [],
    });
  }

  async function assertFinished(version: string, mergeCommit: string) {
    expect(await git("rev-parse", `refs/tags/${version}^{commit}`)).toBe(mergeCommit);
    expect(await isAncestor(dir, mergeCommit, await head("develop"))).toBe(true);
    expect(await branchExists(`release/${version}`)).toBe(false);
    const rows = await db().select().from(releases).where(eq(releases.version, version));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ commitSha: mergeCommit, notes: `## ${version} (2026-12-07)\n\n- things` });
    await assertInvariants();
  }

  it("after the refs moved, before the release is published: the reconciler publishes it, the tag webhook fires once", async () => {
    const mr = await releaseMr("v1.0.0");
    const develop = await head("develop");
    const before = await afterWorkTrace();
    const r = await mergeInChild(mr.id, mr.headSha!, "release-finish:after-ref-move");
    expect(r.signal, r.output).toBe("SIGKILL");
    const merged = (await getMergeRequestById(db(), mr.id))!;
    expect(merged.state).toBe("merged");
    // the tag and develop moved together; nothing published yet
    expect(await git("rev-parse", "refs/tags/v1.0.0^{commit}")).toBe(merged.mergeCommitSha);
    expect(await head("develop")).not.toBe(develop);
    expect(await db().select().from(releases)).toEqual([]);

    expect(await reconcile()).toMatchObject({ completed: 1, rolledBack: 0, afterWork: 1 });
    await assertFinished("v1.0.0", merged.mergeCommitSha!);
    expect(diff(before, await afterWorkTrace())).toMatchObject({ tag: 1 });
    expect(await reconcile()).toMatchObject({ completed: 0, rolledBack: 0, afterWork: 0 });
    expect(diff(before, await afterWorkTrace())).toMatchObject({ tag: 1 });
  });

  it("after the intent, before the refs moved: rolled back and finished again by the reconciler", async () => {
    const mr = await releaseMr("v1.1.0");
    const develop = await head("develop");
    const before = await afterWorkTrace();
    const r = await mergeInChild(mr.id, mr.headSha!, "release-finish:after-intent");
    expect(r.signal, r.output).toBe("SIGKILL");
    const merged = (await getMergeRequestById(db(), mr.id))!;
    expect(merged.state).toBe("merged");
    expect((await runGit(["rev-parse", "--verify", "--quiet", "refs/tags/v1.1.0"], { cwd: dir, allowFailure: true })).code).not.toBe(0);
    expect(await head("develop")).toBe(develop);

    expect(await reconcile()).toMatchObject({ completed: 0, rolledBack: 1 });
    await assertFinished("v1.1.0", merged.mergeCommitSha!);
    expect(diff(before, await afterWorkTrace())).toMatchObject({ tag: 1 });
  });
});
