import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { branchProtections, notifications } from "@/db/schema";
import { Markdown } from "@/components/markdown";
import { testDatabase } from "@/test/support/db";
import { startHookListener, type HookListener } from "@/test/support/hook-listener";
import { startJobWorker } from "@/test/support/job-worker";
import { callerAs } from "@/test/support/trpc";
import { createToken } from "@/server/auth/tokens";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo, type RepoWithOrg } from "@/server/git/repos";
import { queues, stopBoss } from "@/server/jobs";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { createHook } from "@/server/webhooks";
import { getMergeRequest } from "./index";
import { refreshMergeRequest } from "./merge";
import { getStatuses, postStatus } from "./statuses-api";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-statuses-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "s".repeat(40), PUBLIC_URL: "http://rookery.test" });
const pw = "Status-pass-2026";
const ORG = "statusco";
const params = (sha: string) => ({ org: ORG, repo: "puppet", sha });

const as = (u: User) => callerAs(db)(u).mergeRequests;
let lead: User, dev: User, outsider: User;
let repo: RepoWithOrg;
let dir = "";
let writeToken = "";
let readToken = "";
let outsiderToken = "";
let listener: HookListener;

const head = async (b: string) => (await runGit(["rev-parse", `refs/heads/${b}`], { cwd: dir })).stdout.trim();

function post(sha: string, body: unknown, auth: string | null = `Bearer ${writeToken}`) {
  return postStatus(
    new Request(`http://rookery.test/api/v1/repos/${ORG}/puppet/statuses/${sha}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(body),
    }),
    params(sha),
  );
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  lead = await createLocalUser(db(), { username: "st-lead", password: pw, displayName: "Stella Lead" });
  dev = await createLocalUser(db(), { username: "st-dev", password: pw, displayName: "Stan Dev" });
  outsider = await createLocalUser(db(), { username: "st-out", password: pw });
  const org = await createOrg(db(), { name: ORG, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db(), org.id, "st-dev", "developer");
  repo = (await getRepo(db(), ORG, "puppet"))!;
  dir = await ensureRepoOnDisk(db(), repo);
  writeToken = (await createToken(db(), { userId: dev.id, name: "ci", scope: "write", expiresAt: null })).token;
  readToken = (await createToken(db(), { userId: dev.id, name: "ro", scope: "read", expiresAt: null })).token;
  outsiderToken = (await createToken(db(), { userId: outsider.id, name: "x", scope: "write", expiresAt: null })).token;
  listener = await startHookListener();
  await createHook(db(), { orgId: repo.orgId, repoId: repo.id }, { url: `${listener.url}/mr`, events: ["merge_request", "merge"] });
});

afterAll(async () => {
  await listener?.close();
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("the commit statuses API", () => {
  it("records a status with a token (Bearer or Basic), keeps the latest per context, and lists them", async () => {
    const sha = await head("develop");
    const r = await post(sha, { state: "pending", context: "ci/build", description: "building", target_url: "https://ci.example.test/1" });
    expect(r.status).toBe(201);
    expect(await r.json()).toMatchObject({ sha, state: "pending", context: "ci/build", target_url: "https://ci.example.test/1" });
    const basic = `Basic ${Buffer.from(`st-dev:${writeToken}`).toString("base64")}`;
    expect((await post(sha, { state: "success", context: "ci/build", description: "built" }, basic)).status).toBe(201);
    const list = await getStatuses(new Request("http://rookery.test/x", { headers: { authorization: `Bearer ${readToken}` } }), params(sha));
    expect((await list.json()).statuses).toEqual([expect.objectContaining({ context: "ci/build", state: "success", description: "built", target_url: null })]);
  });

  it("answers bad requests with the right status", async () => {
    const sha = await head("develop");
    expect((await post(sha, { state: "success" }, null)).status).toBe(401);
    expect((await post(sha, { state: "success" }, "Bearer rky_nope")).status).toBe(401);
    expect((await post(sha, { state: "success" }, `Bearer ${readToken}`)).status).toBe(403);
    expect((await post(sha, { state: "success" }, `Bearer ${outsiderToken}`)).status).toBe(404);
    expect((await post("0123456789abcdef0123456789abcdef01234567", { state: "success" })).status).toBe(404);
    expect((await post("develop", { state: "success" })).status).toBe(404);
    expect((await post(sha, { state: "great" })).status).toBe(400);
    expect((await post(sha, { state: "success", target_url: "javascript:alert(1)" })).status).toBe(400);
  });
});

describe("required statuses and auto-merge", () => {
  it("blocks merging while a required context is not green, then auto-merges when it turns green", async () => {
    await db()
      .update(branchProtections)
      .set({ requiredContexts: ["ci/build"] })
      .where(eq(branchProtections.repoId, repo.id));
    const sha = await commitFiles(dir, { branch: "feature/auto", parent: await head("develop"), files: { "auto.txt": "1\n" }, message: "auto" });
    const { number } = await as(dev).create({
      slug: ORG,
      name: "puppet",
      title: "Auto <script>alert(1)</script>",
      sourceBranch: "feature/auto",
      targetBranch: "develop",
      reviewers: ["st-lead"],
      assignee: "st-dev",
    });
    // the reviewer is told, and sees it in the inbox
    const [note] = await db().select().from(notifications).where(eq(notifications.userId, lead.id));
    expect(note).toMatchObject({ kind: "mr.review_requested", link: `/orgs/${ORG}/repos/puppet/merge_requests/${number}` });
    expect(await as(lead).inboxCounts()).toEqual({ awaiting: 1, assigned: 0, review: 1, created: 0, all: 1 });
    expect((await as(dev).inbox({ filter: "created" })).items.map((i) => i.number)).toEqual([number]);
    expect((await as(dev).inbox({ filter: "assigned" })).items.map((i) => i.number)).toEqual([number]);
    expect((await as(lead).inbox({ filter: "assigned" })).items).toEqual([]);
    expect((await as(outsider).inbox({ filter: "all" })).items).toEqual([]);

    await as(lead).approve({ slug: ORG, name: "puppet", number, expectedHeadSha: sha });
    expect((await as(lead).inboxCounts()).awaiting).toBe(0);
    const view = await as(lead).get({ slug: ORG, name: "puppet", number });
    expect(view.checks).toMatchObject({ ok: false, waitingForChecks: true, checks: { required: ["ci/build"], notGreen: ["ci/build"] } });
    await expect(as(lead).merge({ slug: ORG, name: "puppet", number, expectedHeadSha: sha })).rejects.toThrow(/required checks not green: ci\/build/);

    expect(await as(lead).merge({ slug: ORG, name: "puppet", number, expectedHeadSha: sha, whenChecksPass: true })).toEqual({ merged: false, commit: null });
    expect((await getMergeRequest(db(), repo.id, number))!.autoMerge).toMatchObject({ method: "merge", headSha: sha, userId: lead.id });

    const worker = await startJobWorker([queues.mrRefresh, queues.webhookDelivery]);
    try {
      expect((await post(sha, { state: "pending", context: "ci/build" })).status).toBe(201);
      expect((await getMergeRequest(db(), repo.id, number))!.state).toBe("open");
      expect((await post(sha, { state: "success", context: "ci/build" })).status).toBe(201);
      const merged = await until(
        () => getMergeRequest(db(), repo.id, number),
        (m) => m?.state === "merged",
      );
      expect(merged).toMatchObject({ state: "merged", mergedById: lead.id, mergeMethod: "merge" });
      expect(await head("develop")).toBe(merged!.mergeCommitSha);
      const events = (await as(dev).get({ slug: ORG, name: "puppet", number })).events.map((e) => e.kind);
      expect(events).toEqual(["opened", "approved", "auto_merge_set", "merged"]);
      // the author is told it was merged
      const notes = await db().select().from(notifications).where(eq(notifications.userId, dev.id));
      expect(notes.map((n) => n.kind).sort()).toEqual(["mr.approved", "mr.merged"]);
      // webhooks: opened, approved, merged (merge_request) and merged (merge)
      const hooks = await listener.waitFor(4, "/mr");
      const kinds = hooks.map((h) => `${h.headers["x-rookery-event"]}:${(h.json.object_attributes as { action: string }).action}`).sort();
      expect(kinds).toEqual(["merge:merge", "merge_request:approved", "merge_request:merge", "merge_request:open"]);
      expect(hooks[0].json).toMatchObject({
        object_kind: "merge_request",
        object_attributes: { iid: number, source_branch: "feature/auto", target_branch: "develop" },
      });
    } finally {
      await worker.stop();
    }
  });

  it("cancels auto-merge when new commits arrive", async () => {
    const sha = await commitFiles(dir, { branch: "feature/auto2", parent: await head("develop"), files: { "auto2.txt": "1\n" }, message: "auto2" });
    const { number } = await as(dev).create({ slug: ORG, name: "puppet", title: "Auto 2", sourceBranch: "feature/auto2", targetBranch: "develop" });
    await as(lead).approve({ slug: ORG, name: "puppet", number, expectedHeadSha: sha });
    await as(lead).merge({ slug: ORG, name: "puppet", number, expectedHeadSha: sha, whenChecksPass: true });
    await commitFiles(dir, { branch: "feature/auto2", parent: sha, files: { "auto2.txt": "2\n" }, message: "more" });
    const mr = (await getMergeRequest(db(), repo.id, number))!;
    await refreshMergeRequest(db(), mr.id);
    expect((await getMergeRequest(db(), repo.id, number))!.autoMerge).toBeNull();
    const events = (await as(dev).get({ slug: ORG, name: "puppet", number })).events;
    expect(events.at(-1)).toMatchObject({ kind: "auto_merge_canceled", details: { reason: "new commits were pushed" } });
  });
});

describe("close and reopen", () => {
  it("are in the activity and sent as merge_request webhooks", async () => {
    await commitFiles(dir, { branch: "feature/cr", parent: await head("develop"), files: { "cr.txt": "1\n" }, message: "cr" });
    const { number } = await as(dev).create({ slug: ORG, name: "puppet", title: "Close me", sourceBranch: "feature/cr", targetBranch: "develop" });
    await as(dev).setState({ slug: ORG, name: "puppet", number, state: "closed" });
    await as(lead).setState({ slug: ORG, name: "puppet", number, state: "open" });
    const events = (await as(dev).get({ slug: ORG, name: "puppet", number })).events.map((e) => e.kind);
    expect(events).toEqual(["opened", "closed", "reopened"]);
    const worker = await startJobWorker([queues.webhookDelivery]);
    try {
      const deadline = Date.now() + 15_000;
      const actionsOf = () =>
        listener.received
          .filter((h) => (h.json.object_attributes as { iid?: number } | undefined)?.iid === number)
          .map((h) => (h.json.object_attributes as { action: string }).action);
      while (actionsOf().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(actionsOf().sort()).toEqual(["close", "open", "reopen"]);
    } finally {
      await worker.stop();
    }
  });
});

describe("untrusted markdown", () => {
  it("renders titles, descriptions and comments inert", () => {
    const html = renderToStaticMarkup(
      createElement(Markdown, {
        source: 'Hi <img src=x onerror="alert(1)"> <script>alert(2)</script> [x](javascript:alert(3)) <a href="javascript:alert(4)">y</a> **bold**',
      }),
    );
    expect(html).toContain("<strong>bold</strong>");
    expect(html).not.toMatch(/<img|<script|onerror|javascript:/i);
  });
});
