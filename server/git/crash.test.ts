import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { intents, repoHousekeeping, webhookDeliveries, webhooks } from "@/db/schema";
import { afterWorkJob, reconcileIntents } from "@/server/intents/reconcile";
import { stopBoss } from "@/server/jobs";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { startCrashChild } from "@/test/support/crash-child";
import { testDatabase } from "@/test/support/db";
import { gitRunner } from "@/test/support/git";
import { runGit } from "./plumbing/cli";
import { housekeepRepo } from "./housekeeping";
import { ensureInfrastructureOrg } from "./infrastructure";
import { ensureRepoOnDisk } from "./materialize";
import { getRepo, type RepoWithOrg } from "./repos";

/**
 * The crash suite for pushes: a real `git push` over smart HTTP to a portal child process
 * (test/support/git-portal-child.ts) that is SIGKILLed at a named point of the push's hook
 * calls; afterwards git is intact, the refs are old or new, a quarantine left behind goes
 * with housekeeping, and the push's after-work (webhooks) runs exactly once.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-push-crash-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-push-clone-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "p".repeat(40) });
const git = gitRunner(work, { name: "Pia Pusher", email: "pia@example.com" });
const clone = path.join(work, "puppet");
const PASSWORD = "Pusher-pass-2026";

let repo: RepoWithOrg;
let dir = "";
let portal: ReturnType<typeof startCrashChild> | null = null;

/** A portal child; `crashAt` names where it dies, taking its git children with it when `group`. */
async function startPortal(crashAt = "", group = false) {
  portal = startCrashChild("test/support/git-portal-child.ts", [], crashAt, { group });
  const url = await portal.firstLine;
  return `${url.replace("http://", `http://pia:${PASSWORD}@`)}/git/pushco/puppet.git`;
}

async function stopPortal() {
  if (!portal) return;
  const { child, exited } = portal;
  portal = null;
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await exited;
}

/** One new commit on `branch` in the clone, pushed to `url`. */
async function push(url: string, branch: string) {
  await git(["checkout", "-q", "-B", branch, "origin/develop"], clone);
  fs.writeFileSync(path.join(clone, `${branch.replace("/", "-")}.txt`), `${branch}\n`);
  await git(["add", "-A"], clone);
  await git(["commit", "-qm", `work on ${branch}`], clone);
  const sha = (await git(["rev-parse", "HEAD"], clone)).stdout.trim();
  return { sha, result: await git(["push", url, `HEAD:refs/heads/${branch}`], clone) };
}

const ref = async (branch: string) =>
  (await runGit(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], { cwd: dir, allowFailure: true })).stdout.trim() || null;
const pushDeliveries = async () => (await db().select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.event, "push")))[0].n;
const quarantines = () => fs.readdirSync(path.join(dir, "objects")).filter((n) => n.startsWith("tmp_objdir-incoming-"));

async function assertGitIntact() {
  expect((await runGit(["fsck", "--full"], { cwd: dir, allowFailure: true })).code).toBe(0);
}

/** A push intent's portal died: only age lets the reconciler take it (a live push holds no lock). */
async function ageIntents() {
  await db().execute(sql`update intents set created_at = created_at - interval '10 minutes' where kind = 'push' and state = 'pending'`);
}

function ageTree(p: string) {
  const old = new Date(Date.now() - 2 * 3600_000);
  for (const e of fs.readdirSync(p, { withFileTypes: true, recursive: true })) fs.utimesSync(path.join(e.parentPath, e.name), old, old);
  fs.utimesSync(p, old, old);
}

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  const pia = await createLocalUser(db(), { username: "pia", password: PASSWORD });
  const org = await createOrg(db(), { name: "pushco", source: "local", members: [{ userId: pia.id, role: "leader" }] });
  repo = (await getRepo(db(), "pushco", "puppet"))!;
  dir = await ensureRepoOnDisk(db(), repo);
  await db()
    .insert(webhooks)
    .values({ orgId: org.id, repoId: repo.id, url: "http://127.0.0.1:9/hook", events: ["push"] });
  const url = await startPortal();
  const r = await git(["clone", "-q", url, clone]);
  expect(r.status, r.stderr).toBe(0);
  await stopPortal();
});

afterEach(stopPortal);

afterAll(async () => {
  await stopPortal();
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe("a push killed at each point", { timeout: 60_000 }, () => {
  it("without a crash, the push's after-work runs once and its intent is done (the reference)", async () => {
    const before = await pushDeliveries();
    const { sha, result } = await push(await startPortal(), "feature/ref");
    expect(result.status, result.stderr).toBe(0);
    expect(await ref("feature/ref")).toBe(sha);
    expect(await pushDeliveries()).toBe(before + 1);
    const [intent] = await db().select().from(intents).where(eq(intents.kind, "push"));
    expect(intent).toMatchObject({ state: "done", updates: [{ ref: "refs/heads/feature/ref", newSha: sha }] });
    expect(intent.afterWorkAt).not.toBeNull();
    // the queued net finds it done: nothing runs twice
    expect(await afterWorkJob(db(), { intentId: intent.id })).toEqual({ ran: false });
    expect(await pushDeliveries()).toBe(before + 1);
    await assertGitIntact();
  });

  it("portal and git killed after the pre-receive recorded the push: refs old, git intact, the quarantine goes with housekeeping", async () => {
    const before = await ref("feature/early");
    const { result } = await push(await startPortal("push:after-intent", true), "feature/early");
    expect(result.status).not.toBe(0);
    expect((await portal!.exited).signal).toBe("SIGKILL");
    expect(await ref("feature/early")).toBe(before);
    await assertGitIntact();
    expect(quarantines()).toHaveLength(1);

    // a young quarantine may be a live push's: kept; an hour old, it goes
    await housekeepRepo(db(), { repoId: repo.id, trigger: "manual" });
    expect(quarantines()).toHaveLength(1);
    ageTree(path.join(dir, "objects", quarantines()[0]));
    const run = await housekeepRepo(db(), { repoId: repo.id, trigger: "manual" });
    expect(run).toMatchObject({ status: "ok" });
    expect(quarantines()).toEqual([]);
    await assertGitIntact();
    expect(await db().select().from(repoHousekeeping).where(eq(repoHousekeeping.repoId, repo.id))).toHaveLength(1);

    // its intent, recorded before the kill, is rolled back once old enough: nothing moved
    await ageIntents();
    expect(await reconcileIntents(db())).toMatchObject({ completed: 0, rolledBack: 1, afterWork: 0 });
  });

  it("after the ref update, before the post-receive's after-work: the reconciler runs it once", async () => {
    const before = await pushDeliveries();
    const { sha } = await push(await startPortal("push:after-ref-update"), "feature/late");
    expect((await portal!.exited).signal).toBe("SIGKILL");
    expect(await ref("feature/late")).toBe(sha); // git moved the ref before calling post-receive
    await assertGitIntact();
    expect(await pushDeliveries()).toBe(before);
    const pending = await db()
      .select()
      .from(intents)
      .where(and(eq(intents.kind, "push"), eq(intents.state, "pending")));
    expect(pending).toHaveLength(1);

    // a pending push this young may still be running: left alone
    expect(await reconcileIntents(db())).toMatchObject({ completed: 0, rolledBack: 0, busy: 1 });
    await ageIntents();
    expect(await reconcileIntents(db())).toMatchObject({ completed: 1, rolledBack: 0, afterWork: 1 });
    expect(await pushDeliveries()).toBe(before + 1);
    expect(await reconcileIntents(db())).toMatchObject({ completed: 0, afterWork: 0 });
    expect(await afterWorkJob(db(), { intentId: pending[0].id })).toEqual({ ran: false });
    expect(await pushDeliveries()).toBe(before + 1);
  });

  it("after the completion, before the after-work: the queued job runs it once", async () => {
    const before = await pushDeliveries();
    const { sha } = await push(await startPortal("push:after-completion"), "feature/done");
    expect((await portal!.exited).signal).toBe("SIGKILL");
    expect(await ref("feature/done")).toBe(sha);
    const [intent] = await db()
      .select()
      .from(intents)
      .where(and(eq(intents.kind, "push"), sql`${intents.updates}->0->>'newSha' = ${sha}`));
    expect(intent).toMatchObject({ state: "done", afterWorkAt: null });
    const jobs = await db().execute(sql`select 1 from pgboss.job where name = 'intent-after-work' and data->>'intentId' = ${intent.id}`);
    expect(jobs).toHaveLength(1);
    expect(await afterWorkJob(db(), { intentId: intent.id })).toEqual({ ran: true });
    expect(await afterWorkJob(db(), { intentId: intent.id })).toEqual({ ran: false });
    expect(await pushDeliveries()).toBe(before + 1);
    await assertGitIntact();
  });
});
