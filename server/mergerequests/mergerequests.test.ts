import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { branchProtections, mergeRequests, notifications } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { callerAs } from "@/test/support/trpc";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo, type RepoWithOrg } from "@/server/git/repos";
import { afterPush } from "@/server/git/events";
import { queues, stopBoss } from "@/server/jobs";
import { startJobWorker } from "@/test/support/job-worker";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { getMergeRequest } from "./index";
import { mergeMergeRequest, refreshMergeRequest } from "./merge";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-mr-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "m".repeat(40), PUBLIC_URL: "http://rookery.test" });
const pw = "Merge-pass-2026";
const ORG = "mergeco";

const caller = callerAs(db);
const as = (u: User) => caller(u).mergeRequests;

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    return { code: e.code, field: (e.cause as { field?: string } | undefined)?.field, message: e.message };
  }
  throw new Error("expected a failure");
}

const git = async (...args: string[]) => (await runGit(args, { cwd: dir })).stdout.trim();
const head = (branch: string) => git("rev-parse", `refs/heads/${branch}`);

let lead: User, dev: User, dev2: User, rep: User, outsider: User;
let repo: RepoWithOrg;
let dir = "";

/** A branch from `from` with one commit writing `files`. */
async function branch(name: string, from: string, files: Record<string, string>, message = `work on ${name}`) {
  return commitFiles(dir, { branch: name, parent: await head(from), files, message });
}

/** The MR's row with its mergeability recomputed (what the mr-refresh job does). */
async function refreshed(number: number) {
  const mr = (await getMergeRequest(db(), repo.id, number))!;
  await refreshMergeRequest(db(), mr.id);
  return (await getMergeRequest(db(), repo.id, number))!;
}

async function open(user: User, source: string, target = "develop", extra: Partial<{ title: string; description: string; reviewers: string[] }> = {}) {
  const { number } = await as(user).create({ slug: ORG, name: "puppet", title: `Merge ${source}`, sourceBranch: source, targetBranch: target, ...extra });
  return number;
}

/** Leader approval at the current head, so develop's default rule (1 approval) is met. */
async function approved(number: number) {
  const mr = await refreshed(number);
  await as(lead).approve({ slug: ORG, name: "puppet", number, expectedHeadSha: mr.headSha });
  return mr;
}

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  lead = await createLocalUser(db(), { username: "mr-lead", password: pw, displayName: "Lena Lead", email: "lena@example.test" });
  dev = await createLocalUser(db(), { username: "mr-dev", password: pw, displayName: "Dev One", email: "dev@example.test" });
  dev2 = await createLocalUser(db(), { username: "mr-dev2", password: pw, displayName: "Dev Two" });
  rep = await createLocalUser(db(), { username: "mr-rep", password: pw });
  outsider = await createLocalUser(db(), { username: "mr-out", password: pw });
  const org = await createOrg(db(), { name: ORG, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db(), org.id, "mr-dev", "developer");
  await addMember(db(), org.id, "mr-dev2", "developer");
  await addMember(db(), org.id, "mr-rep", "reporter");
  repo = (await getRepo(db(), ORG, "puppet"))!;
  dir = await ensureRepoOnDisk(db(), repo);
});

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("opening merge requests", () => {
  it("opens one with reviewers and numbers them per repository", async () => {
    await branch("feature/a", "develop", { "a.txt": "a\n" });
    const n = await open(dev, "feature/a", "develop", { reviewers: ["mr-lead"], description: "Adds **a**" });
    expect(n).toBe(1);
    const view = await as(dev).get({ slug: ORG, name: "puppet", number: n });
    expect(view.mr).toMatchObject({
      title: "Merge feature/a",
      sourceBranch: "feature/a",
      targetBranch: "develop",
      state: "open",
      headSha: await head("feature/a"),
    });
    expect(view.reviewers.map((r) => r.username)).toEqual(["mr-lead"]);
    expect(view.events.map((e) => e.kind)).toEqual(["opened"]);
    // the author may not approve (develop's rule), nor merge into protected develop
    expect(view.can).toMatchObject({ merge: false, approve: false, comment: true, update: true });
    expect((await as(dev2).get({ slug: ORG, name: "puppet", number: n })).can).toMatchObject({ merge: false, approve: true });
    expect((await as(lead).get({ slug: ORG, name: "puppet", number: n })).can.merge).toBe(true);
    const list = await as(rep).list({ slug: ORG, name: "puppet" });
    expect(list.items.map((i) => i.mr.number)).toEqual([1]);
    expect(list.canCreate).toBe(false);
  });

  it("refuses bad input with errors a person can act on", async () => {
    const create = (over: object) => as(dev).create({ slug: ORG, name: "puppet", title: "x", sourceBranch: "feature/a", targetBranch: "develop", ...over });
    expect(await failure(create({ sourceBranch: "develop" }))).toMatchObject({
      code: "BAD_REQUEST",
      field: "sourceBranch",
      message: expect.stringMatching(/same branch/),
    });
    expect(await failure(create({ sourceBranch: "feature/nope" }))).toMatchObject({
      field: "sourceBranch",
      message: "There is no branch named feature/nope: push it first",
    });
    expect(await failure(create({ targetBranch: "nope" }))).toMatchObject({ field: "targetBranch", message: "There is no branch named nope" });
    expect(await failure(create({ sourceBranch: "master", targetBranch: "develop" }))).toMatchObject({
      field: "sourceBranch",
      message: "develop already contains every commit of master: there is nothing to merge",
    });
    expect(await failure(create({}))).toMatchObject({ field: "sourceBranch", message: expect.stringMatching(/!1 already proposes/) });
    expect(await failure(create({ sourceBranch: "--upload-pack=x" }))).toMatchObject({ field: "sourceBranch" });
    expect(await failure(create({ reviewers: ["mr-out"] }))).toMatchObject({
      field: "reviewers",
      message: expect.stringMatching(/Not members of mergeco: mr-out/),
    });
    expect(await failure(as(rep).create({ slug: ORG, name: "puppet", title: "x", sourceBranch: "feature/a", targetBranch: "master" }))).toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await failure(as(outsider).list({ slug: ORG, name: "puppet" }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await failure(as(lead).create({ slug: ORG, name: "role", title: "x", sourceBranch: "feature/a", targetBranch: "develop" }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/read-only mirror of infrastructure\/role/),
    });
    expect(await failure(as(outsider).get({ slug: ORG, name: "puppet", number: 1 }))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("edits title, description and reviewers; newly asked reviewers are notified", async () => {
    await as(dev).update({ slug: ORG, name: "puppet", number: 1, title: "Merge feature/a (edited)", description: "new" });
    expect(await failure(as(rep).update({ slug: ORG, name: "puppet", number: 1, title: "x", description: "" }))).toMatchObject({ code: "FORBIDDEN" });
    await as(dev).setReviewers({ slug: ORG, name: "puppet", number: 1, reviewers: ["mr-lead", "mr-dev2"] });
    const view = await as(dev).get({ slug: ORG, name: "puppet", number: 1 });
    expect(view.mr).toMatchObject({ title: "Merge feature/a (edited)", description: "new" });
    expect(view.reviewers.map((r) => r.username).sort()).toEqual(["mr-dev2", "mr-lead"]);
    const notes = await db().select().from(notifications).where(eq(notifications.userId, dev2.id));
    expect(notes.map((n) => n.kind)).toEqual(["mr.review_requested"]);
    expect(await failure(as(dev).setReviewers({ slug: ORG, name: "puppet", number: 1, reviewers: ["mr-out"] }))).toMatchObject({ field: "reviewers" });
    await as(dev).update({ slug: ORG, name: "puppet", number: 1, title: "Merge feature/a", description: "Adds **a**" });
  });

  it("shows commits and changes of the source since the merge base", async () => {
    const commits = await as(rep).commits({ slug: ORG, name: "puppet", number: 1 });
    expect(commits.commits.map((c) => c.subject)).toEqual(["work on feature/a"]);
    const changes = await as(rep).changes({ slug: ORG, name: "puppet", number: 1 });
    expect(changes.diff?.files.map((f) => f.newPath)).toEqual(["a.txt"]);
  });
});

describe("the Changes tab of a large merge request", () => {
  it("defers large files and files past the first lines; each loads on its own", async () => {
    const big = Array.from({ length: 800 }, (_, i) => `line ${i}`).join("\n") + "\n";
    const files: Record<string, string> = { "big.txt": big, "small.txt": "small\n" };
    for (let i = 0; i < 8; i++) files[`many/f${i}.txt`] = Array.from({ length: 450 }, (_, j) => `${i}:${j}`).join("\n") + "\n";
    await branch("feature/large", "develop", files);
    const n = await open(dev, "feature/large");
    const changes = await as(rep).changes({ slug: ORG, name: "puppet", number: n });
    const byName = new Map(changes.diff!.files.map((f) => [f.newPath, f]));
    expect(byName.get("big.txt")).toMatchObject({ collapsed: true, deferred: true, hunks: [], additions: 800 });
    expect(byName.get("small.txt")).toMatchObject({ deferred: false });
    expect(byName.get("small.txt")!.hunks[0].lines).toHaveLength(1);
    const eager = changes.diff!.files.filter((f) => !f.deferred).reduce((n, f) => n + f.hunks.reduce((m, h) => m + h.lines.length, 0), 0);
    expect(eager).toBeLessThanOrEqual(3000);
    expect(changes.diff!.files.filter((f) => f.deferred).length).toBeGreaterThan(1);
    const loaded = await as(rep).fileDiff({ slug: ORG, name: "puppet", number: n, from: changes.from!, to: changes.mr.headSha, paths: ["big.txt"] });
    expect(loaded).toMatchObject({ newPath: "big.txt", additions: 800 });
    expect(loaded.hunks[0].lines).toHaveLength(800);
    expect(
      await failure(as(rep).fileDiff({ slug: ORG, name: "puppet", number: n, from: changes.from!, to: changes.mr.headSha, paths: ["nope.txt"] })),
    ).toMatchObject({ code: "NOT_FOUND" });
    // Paths outside the tree are in no diff: a 404, never git's complaint with our data directory in it.
    for (const escape of ["../../../etc/passwd", "/etc/passwd", "a/../../b", "."])
      expect(
        await failure(as(rep).fileDiff({ slug: ORG, name: "puppet", number: n, from: changes.from!, to: changes.mr.headSha, paths: [escape] })),
        escape,
      ).toMatchObject({
        code: "NOT_FOUND",
        message: "That file is not part of this diff",
      });
    await as(dev).setState({ slug: ORG, name: "puppet", number: n, state: "closed" });
  });
});

describe("merging on the server", () => {
  it("merges with a merge commit (--no-ff) once approved, and refuses a stale head", async () => {
    const before = await head("develop");
    const mr = await refreshed(1);
    expect(mr.mergeability).toBe("clean");
    // develop requires one approval by default
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: 1, expectedHeadSha: mr.headSha }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/1 approval required, 0 given/),
    });
    expect(await failure(as(dev).approve({ slug: ORG, name: "puppet", number: 1, expectedHeadSha: mr.headSha }))).toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/Authors cannot approve their own merge request/),
    });
    await as(dev2).approve({ slug: ORG, name: "puppet", number: 1, expectedHeadSha: mr.headSha });
    await as(dev2).comment({ slug: ORG, name: "puppet", number: 1, body: "Looks right to me" });
    await as(dev).comment({ slug: ORG, name: "puppet", number: 1, body: "Thanks" }); // the author's own comment tells nobody
    const told = await db().select().from(notifications).where(eq(notifications.userId, dev.id));
    expect(told.filter((n) => n.kind === "mr.approved").map((n) => n.title)).toEqual([expect.stringMatching(/ approved !1: /)]);
    expect(told.filter((n) => n.kind === "mr.commented").map((n) => n.body)).toEqual(["Looks right to me"]);
    // A developer may not merge into protected develop; the leader may, but not a head they did not see.
    expect(await failure(as(dev).merge({ slug: ORG, name: "puppet", number: 1, expectedHeadSha: mr.headSha }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: 1, expectedHeadSha: before }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/moved to .* since you looked/),
    });
    const r = await as(lead).merge({ slug: ORG, name: "puppet", number: 1, expectedHeadSha: mr.headSha, deleteSource: true });
    expect(r.merged).toBe(true);
    const newHead = await head("develop");
    expect(newHead).toBe(r.commit);
    expect(await git("rev-list", "--parents", "-n", "1", newHead)).toBe(`${newHead} ${before} ${mr.headSha}`);
    expect(await git("log", "-1", "--format=%an|%s", newHead)).toBe("Lena Lead|Merge branch 'feature/a' into 'develop'");
    expect((await runGit(["rev-parse", "--verify", "--quiet", "refs/heads/feature/a"], { cwd: dir, allowFailure: true })).code).not.toBe(0);
    const view = await as(dev).get({ slug: ORG, name: "puppet", number: 1 });
    expect(view.mr).toMatchObject({ state: "merged", mergeCommitSha: newHead, mergeMethod: "merge" });
    expect(view.events.map((e) => e.kind)).toEqual(["opened", "edited", "reviewers", "edited", "approved", "merged", "source_deleted"]);
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: 1, expectedHeadSha: mr.headSha }))).toMatchObject({
      message: "This merge request is already merged",
    });
  });

  it("fast-forwards only when possible, and squashes into one commit", async () => {
    await branch("feature/ff", "develop", { "ff.txt": "ff\n" });
    const ff = await open(dev, "feature/ff");
    const mr = await approved(ff);
    await as(lead).merge({ slug: ORG, name: "puppet", number: ff, method: "ff", expectedHeadSha: mr.headSha });
    expect(await head("develop")).toBe(mr.headSha);

    await branch("feature/sq", "develop", { "sq1.txt": "1\n" }, "first");
    await commitFiles(dir, { branch: "feature/sq", parent: await head("feature/sq"), files: { "sq2.txt": "2\n" }, message: "second" });
    await branch("feature/other", "develop", { "other.txt": "o\n" });
    const other = await open(dev, "feature/other");
    const sq = await open(dev, "feature/sq", "develop", { title: "Squash me" });
    const base = await head("develop");
    const sqMr = await approved(sq);
    await as(lead).merge({ slug: ORG, name: "puppet", number: sq, method: "squash", expectedHeadSha: sqMr.headSha });
    const squashed = await head("develop");
    expect(await git("rev-list", "--parents", "-n", "1", squashed)).toBe(`${squashed} ${base}`);
    expect(await git("log", "-1", "--format=%B", squashed)).toMatch(/^Squash me\n\n\* first\n\* second\n/);
    expect(await git("show", `${squashed}:sq2.txt`)).toBe("2");

    // develop moved: feature/other can no longer fast-forward, and says why.
    const otherMr = await approved(other);
    expect(otherMr.mergeability).toBe("behind");
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: other, method: "ff", expectedHeadSha: otherMr.headSha }))).toMatchObject({
      message: expect.stringMatching(/Cannot fast-forward: develop has 1 commit\(s\) that feature\/other lacks/),
    });
  });

  it("detects conflicts, lists the files, and refuses to merge", async () => {
    await branch("feature/c1", "develop", { "shared.txt": "one\n" });
    await branch("feature/c2", "develop", { "shared.txt": "two\n", "fine.txt": "ok\n" });
    const c1 = await open(dev, "feature/c1");
    const c2 = await open(dev, "feature/c2");
    const m1 = await approved(c1);
    await as(lead).merge({ slug: ORG, name: "puppet", number: c1, expectedHeadSha: m1.headSha });
    const m2 = await approved(c2);
    expect(m2).toMatchObject({ mergeability: "conflicts", conflictFiles: ["shared.txt"] });
    const view = await as(dev).get({ slug: ORG, name: "puppet", number: c2 });
    expect(view.checks?.conflicts).toEqual(["shared.txt"]);
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: c2, expectedHeadSha: m2.headSha }))).toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/conflicts in shared.txt/),
    });
  });

  it("two concurrent merges into one branch: one wins the ref, the other is recomputed on it; no commit is lost", async () => {
    await branch("feature/r1", "develop", { "r1.txt": "1\n" });
    await branch("feature/r2", "develop", { "r2.txt": "2\n" });
    const n1 = await open(dev, "feature/r1");
    const n2 = await open(dev, "feature/r2");
    const [a, b] = [await approved(n1), await approved(n2)];
    const start = await head("develop");
    const results = await Promise.all([
      mergeMergeRequest(db(), repo, a.id, lead, { method: "merge", deleteSource: false, expectedHeadSha: a.headSha }),
      mergeMergeRequest(db(), repo, b.id, lead, { method: "merge", deleteSource: false, expectedHeadSha: b.headSha }),
    ]);
    const final = await head("develop");
    // Linear first-parent chain: start → one merge → the other merge (based on the first).
    const chain = (await git("rev-list", "--first-parent", `${start}..${final}`)).split("\n");
    expect(chain).toHaveLength(2);
    expect(new Set(chain)).toEqual(new Set(results.map((r) => r.commit)));
    expect(await git("rev-list", "--parents", "-n", "1", chain[1])).toMatch(new RegExp(`^${chain[1]} ${start} `));
    for (const sha of [a.headSha, b.headSha, start])
      expect((await runGit(["merge-base", "--is-ancestor", sha, final], { cwd: dir, allowFailure: true })).code).toBe(0);
    expect((await getMergeRequest(db(), repo.id, n1))!.state).toBe("merged");
    expect((await getMergeRequest(db(), repo.id, n2))!.state).toBe("merged");
  });

  it("merges onto a target that moved after mergeability was computed, keeping the new commit", async () => {
    await branch("feature/late", "develop", { "late.txt": "late\n" });
    const n = await open(dev, "feature/late");
    const mr = await approved(n);
    const moved = await commitFiles(dir, { branch: "develop", parent: await head("develop"), files: { "hotpatch.txt": "x\n" }, message: "moved meanwhile" });
    expect(mr.baseSha).not.toBe(moved);
    const r = await mergeMergeRequest(db(), repo, mr.id, lead, { method: "merge", deleteSource: false, expectedHeadSha: mr.headSha });
    expect(await git("rev-list", "--parents", "-n", "1", r.commit)).toBe(`${r.commit} ${moved} ${mr.headSha}`);
  });

  it("a push to the source updates the MR and makes earlier approvals stale", async () => {
    await branch("feature/push", "develop", { "p.txt": "1\n" });
    const n = await open(dev, "feature/push");
    const mr = await approved(n);
    const pushed = await commitFiles(dir, { branch: "feature/push", parent: mr.headSha, files: { "p.txt": "2\n" }, message: "more" });
    // The page catches up with a push the refresh job has not seen yet.
    const view = await as(dev).get({ slug: ORG, name: "puppet", number: n });
    expect(view.mr.headSha).toBe(pushed);
    expect(view.approvals).toEqual([expect.objectContaining({ username: "mr-lead", stale: true })]);
    expect(view.checks?.approvals).toMatchObject({ required: 1, given: 0, ok: false });
    expect(view.events.map((e) => e.kind)).toEqual(["opened", "approved", "pushed"]);
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: n, expectedHeadSha: pushed }))).toMatchObject({
      message: expect.stringMatching(/1 approval required, 0 given/),
    });
  });

  it("a real push (afterPush) queues the refresh job, which follows the source head and recomputes mergeability", async () => {
    await branch("feature/hook", "develop", { "h.txt": "1\n" });
    const n = await open(dev, "feature/hook");
    const old = (await refreshed(n)).headSha;
    const next = await commitFiles(dir, { branch: "feature/hook", parent: old, files: { "h.txt": "2\n" }, message: "pushed" });
    const worker = await startJobWorker([queues.mrRefresh]);
    try {
      await afterPush(repo, [{ ref: "refs/heads/feature/hook", oldSha: old, newSha: next }], null);
      expect((await getMergeRequest(db(), repo.id, n))!.mergeability).toBe("checking");
      const deadline = Date.now() + 15_000;
      let mr = (await getMergeRequest(db(), repo.id, n))!;
      while (mr.mergeability === "checking" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        mr = (await getMergeRequest(db(), repo.id, n))!;
      }
      expect(mr).toMatchObject({ headSha: next, mergeability: "clean" });
    } finally {
      await worker.stop();
    }
  });

  it("closes and reopens", async () => {
    await branch("feature/close", "develop", { "cl.txt": "1\n" });
    const n = await open(dev, "feature/close");
    await as(dev).setState({ slug: ORG, name: "puppet", number: n, state: "closed" });
    expect((await getMergeRequest(db(), repo.id, n))!.state).toBe("closed");
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: n, expectedHeadSha: await head("feature/close") }))).toMatchObject({
      message: expect.stringMatching(/closed: reopen it first/),
    });
    await as(dev).setState({ slug: ORG, name: "puppet", number: n, state: "open" });
    const view = await as(dev).get({ slug: ORG, name: "puppet", number: n });
    expect(view.events.map((e) => e.kind)).toEqual(["opened", "closed", "reopened"]);
  });
});

describe("merge rules of the target branch", () => {
  it("are set by leaders per protected branch, and required approvals count", async () => {
    const develop = (await db().select().from(branchProtections).where(eq(branchProtections.repoId, repo.id))).find((p) => p.pattern === "develop")!;
    expect(develop).toMatchObject({ requiredApprovals: 1, authorsCannotApprove: true, requireSignoff: false, requiredContexts: [] });
    const rules = { slug: ORG, name: "puppet", id: develop.id, requiredApprovals: 2, authorsCannotApprove: true, requireSignoff: false, requiredContexts: [] };
    expect(await failure(as(dev).setMergeRules(rules))).toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(as(lead).setMergeRules({ ...rules, requiredContexts: ["ok", "bad\nname"] }))).toMatchObject({ field: "requiredContexts" });
    await as(lead).setMergeRules(rules);
    await branch("feature/two", "develop", { "two.txt": "2\n" });
    const n = await open(dev, "feature/two");
    const mr = await approved(n);
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: n, expectedHeadSha: mr.headSha }))).toMatchObject({
      message: expect.stringMatching(/2 approvals required, 1 given/),
    });
    await as(dev2).approve({ slug: ORG, name: "puppet", number: n, expectedHeadSha: mr.headSha });
    await as(lead).merge({ slug: ORG, name: "puppet", number: n, expectedHeadSha: mr.headSha });
    await as(lead).setMergeRules({ ...rules, requiredApprovals: 1 });
  });

  it("can require every thread resolved before the merge", async () => {
    const develop = (await db().select().from(branchProtections).where(eq(branchProtections.repoId, repo.id))).find((p) => p.pattern === "develop")!;
    const rules = {
      slug: ORG,
      name: "puppet",
      id: develop.id,
      requiredApprovals: 1,
      authorsCannotApprove: true,
      requireSignoff: false,
      requireResolvedThreads: true,
      requiredContexts: [],
    };
    await as(lead).setMergeRules(rules);
    await branch("feature/threads", "develop", { "threads.txt": "t\n" });
    const n = await open(dev, "feature/threads");
    const mr = await approved(n);
    const { id: threadId } = await as(lead).comment({
      slug: ORG,
      name: "puppet",
      number: n,
      body: "Why this file?",
      path: "threads.txt",
      line: 1,
      side: "new",
    });
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: n, expectedHeadSha: mr.headSha }))).toMatchObject({
      message: expect.stringMatching(/1 unresolved thread/),
    });
    await as(dev).resolveThread({ slug: ORG, name: "puppet", number: n, threadId, resolved: true });
    expect((await as(lead).merge({ slug: ORG, name: "puppet", number: n, expectedHeadSha: mr.headSha })).merged).toBe(true);
    await as(lead).setMergeRules({ ...rules, requireResolvedThreads: false });
  });

  it("requires Signed-off-by trailers of each commit's author when the rule is on, listing offenders", async () => {
    await db().update(branchProtections).set({ requireSignoff: true }).where(eq(branchProtections.repoId, repo.id));
    const base = await head("develop");
    const good = await commitFiles(dir, {
      branch: "feature/so",
      parent: base,
      author: { name: "Dev One", email: "dev@example.test" },
      files: { "so1.txt": "1\n" },
      message: "signed\n\nSigned-off-by: Dev One <dev@example.test>\n",
    });
    const bad = await commitFiles(dir, {
      branch: "feature/so",
      parent: good,
      author: { name: "Dev One", email: "dev@example.test" },
      files: { "so2.txt": "2\n" },
      message: "unsigned",
    });
    const n = await open(dev, "feature/so");
    await approved(n);
    const view = await as(dev).get({ slug: ORG, name: "puppet", number: n });
    expect(view.checks?.signoff).toEqual({ required: true, ok: false, offending: [{ sha: bad, subject: "unsigned", author: "Dev One" }] });
    expect(await failure(as(lead).merge({ slug: ORG, name: "puppet", number: n, expectedHeadSha: bad }))).toMatchObject({
      message: expect.stringMatching(/1 commit without a Signed-off-by trailer/),
    });
    await db().update(branchProtections).set({ requireSignoff: false }).where(eq(branchProtections.repoId, repo.id));
    await db().update(mergeRequests).set({ state: "closed" }).where(eq(mergeRequests.id, view.mr.id));
  });
});
