import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries, webhookDeliveryAttempts, webhooks } from "@/db/schema";
import { createCallerFactory } from "@/server/api/trpc";
import { webhooksRouter } from "@/server/api/routers/webhooks";
import type { Actor } from "@/server/auth/policy";
import { decrypt } from "@/server/crypto";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { getRepo } from "@/server/git/repos";
import { queues, stopBoss } from "@/server/jobs";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, getUserByUsername, type User } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { gitRunner, serveGitHttp } from "@/test/support/git";
import type { FetchServer } from "@/test/support/fetch-server";
import { startHookListener, validSignature, type HookListener } from "@/test/support/hook-listener";
import { startJobWorker } from "@/test/support/job-worker";
import { freePort } from "@/test/support/ports";
import { send } from "./deliver";
import { createHook, emitRepoEvent, redeliver, sendTestDelivery } from "./index";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-hooks-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-hooks-clone-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "h".repeat(40), ROOKERY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
const SECRET = "correct-horse-battery-staple";
let server: FetchServer;
let listener: HookListener;
let worker: { stop: () => Promise<void> };

const git = gitRunner(work, { name: "Dee Veloper", email: "dee@example.test" }, { name: "Dee", email: "dee@example.test" });

const remote = (user: string, password: string, repo: string) => `${server.url.replace("http://", `http://${user}:${password}@`)}/git/${repo}.git`;

async function as(username: string) {
  const user = (await getUserByUsername(db(), username)) as User;
  const actor: Actor = { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin };
  return createCallerFactory(webhooksRouter)({ db: db(), user, actor, audit: {} });
}

async function waitForDelivery(id: string, status: "success" | "failed", timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [d] = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
    if (d?.status === status) return d;
    if (Date.now() > deadline) throw new Error(`delivery ${id} is ${d?.status} after ${d?.attempts} attempts, expected ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  server = await serveGitHttp();
  listener = await startHookListener();
  await ensureInfrastructureOrg(db());
  const lea = await createLocalUser(db(), { username: "lea", password: "Chief-password-1" });
  await createLocalUser(db(), { username: "dev", password: "Coder-password-1", displayName: "Dee Veloper", email: "dee@example.test" });
  await createLocalUser(db(), { username: "outsider", password: "Stranger-pass-1" });
  const org = await createOrg(db(), { name: "acme", source: "local", members: [{ userId: lea.id, role: "leader" }] });
  await addMember(db(), org.id, "dev", "developer");
  worker = await startJobWorker([queues.webhookDelivery]);
});

afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await listener?.close();
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe("webhooks on push", () => {
  it("delivers a signed, GitLab-shaped push event to the repo's hook and the org's hook", async () => {
    const leader = await as("lea");
    const repoHook = await leader.create({ slug: "acme", repo: "puppet", url: `${listener.url}/repo`, secret: SECRET, events: ["push", "tag"] });
    await leader.create({ slug: "acme", url: `${listener.url}/org`, events: ["push"] });
    expect(repoHook).not.toHaveProperty("secretEncrypted");
    expect(JSON.stringify(await leader.list({ slug: "acme", repo: "puppet" }))).not.toContain(SECRET);

    expect((await git(["clone", "--branch", "develop", remote("dev", "Coder-password-1", "acme/puppet"), "puppet"])).status).toBe(0);
    const dir = path.join(work, "puppet");
    fs.writeFileSync(path.join(dir, "hieradata/nodes/web1.yaml"), "classes: [role::web]\n");
    fs.appendFileSync(path.join(dir, "hieradata/common.yaml"), "ntp::servers: [pool.ntp.org]\n");
    expect((await git(["add", "."], dir)).status).toBe(0);
    expect((await git(["commit", "-m", "Add web1\n\nWith a body."], dir)).status).toBe(0);
    const push = await git(["push", "origin", "HEAD:refs/heads/feature/web1"], dir);
    expect(push.status, push.stderr).toBe(0);
    const head = (await git(["rev-parse", "HEAD"], dir)).stdout.trim();

    const [received] = await listener.waitFor(1, "/repo");
    const [org] = await listener.waitFor(1, "/org");
    expect(validSignature(received, SECRET)).toBe(true);
    expect(org.headers["x-rookery-signature"]).toBeUndefined();
    expect(received.headers["x-rookery-event"]).toBe("push");
    expect(received.headers["x-rookery-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(received.headers["content-type"]).toBe("application/json");
    const p = received.json as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(p).toMatchObject({
      object_kind: "push",
      before: "0000000000000000000000000000000000000000",
      after: head,
      ref: "refs/heads/feature/web1",
      checkout_sha: head,
      user_username: "dev",
      user_name: "Dee Veloper",
      total_commits_count: 1,
      project: {
        name: "puppet",
        path_with_namespace: "acme/puppet",
        git_http_url: `${process.env.PUBLIC_URL}/git/acme/puppet.git`,
        default_branch: "develop",
      },
    });
    expect(p.commits).toHaveLength(1);
    expect(p.commits[0]).toMatchObject({
      id: head,
      message: "Add web1\n\nWith a body.\n",
      title: "Add web1",
      author: { name: "Dee Veloper", email: "dee@example.test" },
      added: ["hieradata/nodes/web1.yaml"],
      modified: ["hieradata/common.yaml"],
      removed: [],
    });
    expect(new Date(p.commits[0].timestamp).getTime()).toBeGreaterThan(Date.now() - 120_000);
    expect(org.json).toMatchObject({ object_kind: "push", after: head });

    // Two more commits on the branch: before/after and both commits, oldest first.
    for (const n of [1, 2]) {
      fs.writeFileSync(path.join(dir, `f${n}.txt`), `${n}\n`);
      await git(["add", "."], dir);
      await git(["commit", "-m", `commit ${n}`], dir);
    }
    expect((await git(["push", "origin", "HEAD:refs/heads/feature/web1"], dir)).status).toBe(0);
    const [, second] = await listener.waitFor(2, "/repo");
    expect(second.json).toMatchObject({ before: head, total_commits_count: 2 });
    expect((second.json.commits as { title: string }[]).map((c) => c.title)).toEqual(["commit 1", "commit 2"]);

    // A tag: tag_push to the hook that wants tags only.
    expect((await git(["tag", "-a", "v1.0.0", "-m", "First release"], dir)).status).toBe(0);
    expect((await git(["push", "origin", "v1.0.0"], dir)).status).toBe(0);
    const [, , tag] = await listener.waitFor(3, "/repo");
    expect(tag.headers["x-rookery-event"]).toBe("tag");
    expect(tag.json).toMatchObject({
      object_kind: "tag_push",
      ref: "refs/tags/v1.0.0",
      checkout_sha: (await git(["rev-parse", "HEAD"], dir)).stdout.trim(),
      message: "First release",
    });
    expect(validSignature(tag, SECRET)).toBe(true);
    expect(listener.received.filter((r) => r.path === "/org")).toHaveLength(2);

    const log = await leader.get({ slug: "acme", repo: "puppet", id: repoHook.id });
    expect(log.deliveries.items).toHaveLength(3);
    expect(log.deliveries.items.every((d) => d.status === "success" && d.attempts === 1 && d.responseStatus === 200)).toBe(true);
    expect(log.deliveries.items[0].attemptLog[0]).toMatchObject({ attempt: 1, responseStatus: 200, responseBody: "ok", error: null });
    expect(log.deliveries.items[0].requestHeaders["X-Rookery-Signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  }, 60_000); // clone, two pushes and a tag, each delivered through the job queue

  it("keeps the secret encrypted at rest", async () => {
    const [row] = await db()
      .select()
      .from(webhooks)
      .where(eq(webhooks.url, `${listener.url}/repo`));
    expect(row.secretEncrypted).not.toContain(SECRET);
    const raw = await db().execute<{ all: string }>(sql`select row_to_json(w)::text as all from webhooks w where id = ${row.id}`);
    expect(raw[0].all).not.toContain(SECRET);
    expect(decrypt(row.secretEncrypted!, "webhook-secret")).toBe(SECRET);
  });
});

describe("delivery failures", () => {
  it("retries a failing endpoint with backoff, logs every attempt, and redelivers on demand", { timeout: 60_000 }, async () => {
    const repo = (await getRepo(db(), "acme", "puppet"))!;
    const hook = await createHook(db(), { orgId: repo.orgId, repoId: repo.id }, { url: `${listener.url}/flaky`, secret: SECRET, events: ["merge"] });
    listener.respond("/flaky", 500, "database on fire");
    const [id] = await emitRepoEvent(db(), repo, "merge", { object_kind: "merge_request", n: 1 }, { maxAttempts: 3, retryDelaySeconds: 1 });
    const failed = await waitForDelivery(id, "failed");
    expect(failed.attempts).toBe(3);
    const attempts = await db()
      .select()
      .from(webhookDeliveryAttempts)
      .where(eq(webhookDeliveryAttempts.deliveryId, id))
      .orderBy(webhookDeliveryAttempts.attempt);
    expect(attempts.map((a) => [a.attempt, a.responseStatus, a.responseBody])).toEqual([
      [1, 500, "database on fire"],
      [2, 500, "database on fire"],
      [3, 500, "database on fire"],
    ]);
    // Backoff: the attempts were spread out, not fired at once.
    expect(attempts[2].startedAt.getTime() - attempts[0].startedAt.getTime()).toBeGreaterThan(1500);
    const sent = listener.received.filter((r) => r.path === "/flaky");
    expect(new Set(sent.map((r) => r.headers["x-rookery-delivery"]))).toEqual(new Set([id]));

    listener.respond("/flaky", 204);
    const copy = (await redeliver(db(), hook, id))!;
    expect(copy.id).not.toBe(id);
    const done = await waitForDelivery(copy.id, "success");
    expect(done).toMatchObject({ trigger: "redeliver", redeliveryOf: id, attempts: 1, responseStatus: 204, requestBody: failed.requestBody });
    const last = listener.received.at(-1)!;
    expect(last.headers["x-rookery-delivery"]).toBe(copy.id);
    expect(validSignature(last, SECRET)).toBe(true);
  });

  it("records refused connections and timeouts as errors, and caps the response excerpt at 2 KB", async () => {
    const closed = await freePort();
    const refused = await send(`http://127.0.0.1:${closed}/x`, {}, "{}");
    expect(refused).toMatchObject({ ok: false, responseStatus: null });
    expect(refused.error).toMatch(/ECONNREFUSED/);

    const silent = await startHookListener();
    const hang = (await import("node:http")).createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const slow = await send(`http://127.0.0.1:${(hang.address() as { port: number }).port}/`, {}, "{}", 300);
    expect(slow.error).toBe("Timed out after 0.3 s");
    hang.closeAllConnections();
    hang.close();

    silent.respond("/big", 200, "x".repeat(10_000));
    const big = await send(`${silent.url}/big`, {}, "{}");
    expect(big.responseBody).toHaveLength(2048);
    await silent.close();
  });

  it("sends a test push synchronously through the Test action", async () => {
    const leader = await as("lea");
    const { hooks } = await leader.list({ slug: "acme" });
    const orgHook = hooks.find((h) => h.url.endsWith("/org"))!;
    const before = listener.received.length;
    const result = await leader.test({ slug: "acme", id: orgHook.id });
    expect(result).toMatchObject({ ok: true, responseStatus: 200, error: null });
    const got = listener.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0].json).toMatchObject({
      object_kind: "push",
      ref: "refs/heads/develop",
      project: { path_with_namespace: "acme/puppet" },
      user_username: "lea",
    });
    expect((got[0].json.commits as unknown[]).length).toBeGreaterThan(0);
    const repo = (await getRepo(db(), "acme", "puppet"))!;
    const hook = await createHook(db(), { orgId: repo.orgId, repoId: repo.id }, { url: `${listener.url}/teapot`, events: ["push"] });
    listener.respond("/teapot", 418, "short and stout");
    const { delivery, attempt } = await sendTestDelivery(db(), hook, "push", { object_kind: "push" });
    expect(delivery).toMatchObject({ trigger: "test", status: "failed", attempts: 1, responseStatus: 418 });
    expect(attempt.responseBody).toBe("short and stout");
  });
});

describe("who may manage webhooks", () => {
  it("lets leaders manage, shows members that hooks exist without details, and hides them from outsiders", async () => {
    const dev = await as("dev");
    const listed = await dev.list({ slug: "acme", repo: "puppet" });
    expect(listed).toMatchObject({ canManage: false, hooks: [] });
    await expect(dev.create({ slug: "acme", repo: "puppet", url: `${listener.url}/x`, events: ["push"] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(dev.create({ slug: "acme", url: `${listener.url}/x`, events: ["push"] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const outsider = await as("outsider");
    await expect(outsider.list({ slug: "acme" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("validates URLs and events with field errors, and changes or removes the secret", async () => {
    const leader = await as("lea");
    await expect(leader.create({ slug: "acme", url: "ftp://x.test/", events: ["push"] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Only http:// and https:// URLs are supported",
    });
    await expect(leader.create({ slug: "acme", url: "not a url", events: ["push"] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(leader.create({ slug: "acme", url: "https://u:p@x.test/", events: ["push"] })).rejects.toMatchObject({ message: /credentials/ });
    await expect(leader.create({ slug: "acme", url: "https://x.test/", events: [] })).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const hook = await leader.create({ slug: "acme", url: "https://ci.example.test/hook", events: ["build"], secret: "first" });
    expect(hook.hasSecret).toBe(true);
    const kept = await leader.update({ slug: "acme", id: hook.id, active: false });
    expect(kept).toMatchObject({ hasSecret: true, active: false });
    await leader.update({ slug: "acme", id: hook.id, secret: "second" });
    const [row] = await db().select().from(webhooks).where(eq(webhooks.id, hook.id));
    expect(decrypt(row.secretEncrypted!, "webhook-secret")).toBe("second");
    expect((await leader.update({ slug: "acme", id: hook.id, secret: null })).hasSecret).toBe(false);
    // A hook is only reachable through its own scope.
    await expect(leader.get({ slug: "acme", repo: "puppet", id: hook.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await leader.delete({ slug: "acme", id: hook.id });
    await expect(leader.get({ slug: "acme", id: hook.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
