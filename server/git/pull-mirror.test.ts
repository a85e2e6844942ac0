import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullMirrors } from "@/db/schema";
import { createCallerFactory } from "@/server/api/trpc";
import { mirrorsRouter } from "@/server/api/routers/mirrors";
import type { Actor } from "@/server/auth/policy";
import { loadConfig } from "@/server/config";
import { queues, stopBoss } from "@/server/jobs";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, getUserByUsername, type User } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { startJobWorker } from "@/test/support/job-worker";
import { freePort } from "@/test/support/ports";
import { runGit } from "./plumbing/cli";
import { commitFiles } from "./plumbing/commit";
import { ensureInfrastructureOrg } from "./infrastructure";
import { ensureRepoOnDisk } from "./materialize";
import { repoDir } from "./paths";
import { checkPush } from "@/server/auth/policies/push";
import { pusherAs } from "@/test/support/actors";
import { createPullMirror, getPullMirror, parseMirrorUrl, queueDueMirrors, syncPullMirror } from "./pull-mirror";
import { getRepo, insertRepo, RepoInputError } from "./repos";
import { handleGitHttp } from "./smart-http";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pullmirror-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "m".repeat(40), ROOKERY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
const PASSWORD = "Up$tream pass/1";
let server: FetchServer;
let upstreamDir = "";

async function refs(dir: string) {
  return (await runGit(["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"], { cwd: dir })).stdout;
}

async function as(username: string) {
  const user = (await getUserByUsername(db(), username)) as User;
  const actor: Actor = { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin };
  return createCallerFactory(mirrorsRouter)({ db: db(), user, actor, audit: {} });
}

const upstreamUrl = (password = PASSWORD) => `${server.url.replace("http://", `http://mirrorbot:${encodeURIComponent(password)}@`)}/git/source/tools.git`;

beforeAll(async () => {
  const port = await freePort();
  Object.assign(process.env, { PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: `http://127.0.0.1:${port}` });
  loadConfig();
  // The "external" upstream: a repo of another org, served over authenticated smart HTTP.
  server = await serveFetch(async (req) => {
    const m = new URL(req.url).pathname.match(/^\/git\/([^/]+)\/([^/]+)\/(.+)$/);
    if (!m) return new Response("nope", { status: 404 });
    return handleGitHttp(req, { org: m[1], repo: m[2], rest: m[3].split("/") });
  }, port);
  await ensureInfrastructureOrg(db());
  const bot = await createLocalUser(db(), { username: "mirrorbot", password: PASSWORD });
  const lea = await createLocalUser(db(), { username: "lea", password: "Chief-password-1" });
  await createLocalUser(db(), { username: "rita", password: "Reader-password-1" });
  const source = await createOrg(db(), { name: "source", source: "local", members: [{ userId: bot.id, role: "reporter" }] });
  await createOrg(db(), { name: "acme", source: "local", members: [{ userId: lea.id, role: "leader" }] });
  await addMember(db(), (await getRepo(db(), "acme", "puppet"))!.orgId, "rita", "reporter");
  await insertRepo(db(), source, { name: "tools", defaultBranch: "main" });
  upstreamDir = await ensureRepoOnDisk(db(), (await getRepo(db(), "source", "tools"))!, { withReadme: true });
  const head = (await runGit(["rev-parse", "main"], { cwd: upstreamDir })).stdout.trim();
  await commitFiles(upstreamDir, { branch: "feature/a", parent: head, files: { "a.txt": "a\n" }, message: "a" });
  await runGit(["tag", "-a", "v1.0.0", "-m", "one", head], { cwd: upstreamDir });
});

afterAll(async () => {
  await server?.close();
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("pull mirrors", () => {
  it("accepts http(s) and git URLs, splits credentials off, and refuses local paths", () => {
    expect(parseMirrorUrl(" https://github.com/o/p.git ")).toEqual({ url: "https://github.com/o/p.git", credentials: null });
    expect(parseMirrorUrl("https://bot:t%2Fok@host.test/p.git#frag")).toEqual({
      url: "https://host.test/p.git",
      credentials: { username: "bot", password: "t/ok" },
    });
    expect(parseMirrorUrl("git://host.test/p.git").url).toBe("git://host.test/p.git");
    for (const bad of ["file:///etc", "/srv/git/other.git", "ext::sh -c touch% /tmp/x", "ssh://git@host/p.git", "git://u:p@host/p.git", "https://host/p .git"])
      expect(() => parseMirrorUrl(bad), bad).toThrow(RepoInputError);
  });

  it("mirrors branches and tags from an authenticated upstream, follows its default branch, and keeps the credentials encrypted", async () => {
    const repo = await createPullMirror(db(), { id: (await getRepo(db(), "acme", "puppet"))!.orgId }, { name: "tools", url: upstreamUrl(), interval: 60 });
    expect(repo).toMatchObject({ kind: "pull-mirror", upstream: `${server.url}/git/source/tools.git` });
    const stored = await db().execute<{ row: string }>(sql`select row_to_json(p)::text as row from pull_mirrors p`);
    expect(stored[0].row).not.toContain("Up$tream");
    expect(stored[0].row).not.toContain(encodeURIComponent(PASSWORD));
    expect(JSON.stringify(repo)).not.toContain("Up$tream");
    const queued = await db().execute<{ n: number }>(sql`select count(*)::int as n from pgboss.job where name = ${queues.pullMirrorSync.name}`);
    expect(queued[0].n).toBe(1);

    const result = await syncPullMirror(db(), repo.id);
    expect(result).toMatchObject({ status: "ok", error: null });
    const dir = repoDir("acme", "tools");
    expect(await refs(dir)).toBe(await refs(upstreamDir));
    expect(result!.updates.map((u) => u.ref).sort()).toEqual(["refs/heads/feature/a", "refs/heads/main", "refs/tags/v1.0.0"]);
    expect((await getRepo(db(), "acme", "tools"))!.defaultBranch).toBe("main");
    expect((await runGit(["symbolic-ref", "HEAD"], { cwd: dir })).stdout.trim()).toBe("refs/heads/main");
    const mirror = (await getPullMirror(db(), repo.id))!;
    expect(mirror).toMatchObject({ lastStatus: "ok", lastError: null });
    expect(mirror.nextSyncAt.getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);

    // The upstream moves on: a new commit, a deleted branch, a new tag — the mirror follows (prune included).
    const main = (await runGit(["rev-parse", "main"], { cwd: upstreamDir })).stdout.trim();
    await commitFiles(upstreamDir, { branch: "main", parent: main, files: { "b.txt": "b\n" }, message: "b" });
    await runGit(["update-ref", "-d", "refs/heads/feature/a"], { cwd: upstreamDir });
    await runGit(["tag", "v1.1.0", "main"], { cwd: upstreamDir });
    const second = await syncPullMirror(db(), repo.id);
    expect(second!.status).toBe("ok");
    expect(await refs(dir)).toBe(await refs(upstreamDir));
    expect(await refs(dir)).not.toContain("feature/a");

    // Read-only here.
    const check = checkPush(
      (await getRepo(db(), "acme", "tools"))!,
      pusherAs("leader"),
      [],
      [{ ref: "refs/heads/feature/x", oldSha: "0".repeat(40), newSha: main }],
    );
    expect(check.ok).toBe(false);
  });

  it("records upstream errors without leaking credentials, and recovers", async () => {
    const repo = await createPullMirror(
      db(),
      { id: (await getRepo(db(), "acme", "puppet"))!.orgId },
      { name: "tools-bad", url: upstreamUrl("Wrong-pass-123"), interval: 15 },
    );
    const result = await syncPullMirror(db(), repo.id);
    expect(result!.status).toBe("error");
    expect(result!.error).toMatch(/Authentication failed|401|could not read/i);
    const mirror = (await getPullMirror(db(), repo.id))!;
    expect(mirror).toMatchObject({ lastStatus: "error" });
    expect(mirror.lastError).not.toContain("Wrong-pass-123");
    expect(mirror.lastSyncAt).not.toBeNull();

    const closed = await freePort();
    const gone = await createPullMirror(db(), { id: repo.orgId }, { name: "gone", url: `http://127.0.0.1:${closed}/x.git`, interval: 15 });
    const failed = await syncPullMirror(db(), gone.id);
    expect(failed).toMatchObject({ status: "error" });
    expect(failed!.error).toMatch(/connect|refused/i);
    expect(failed!.updates).toEqual([]);
  });

  it("syncs due mirrors from the schedule through the worker", { timeout: 30_000 }, async () => {
    const repo = (await getRepo(db(), "acme", "tools"))!;
    const main = (await runGit(["rev-parse", "main"], { cwd: upstreamDir })).stdout.trim();
    await commitFiles(upstreamDir, { branch: "main", parent: main, files: { "c.txt": "c\n" }, message: "c" });
    await db()
      .update(pullMirrors)
      .set({ nextSyncAt: new Date(Date.now() - 1000) })
      .where(eq(pullMirrors.repoId, repo.id));
    const before = (await getPullMirror(db(), repo.id))!.lastSyncAt!;
    const { queued } = await queueDueMirrors(db());
    expect(queued).toBe(1);
    expect((await queueDueMirrors(db())).queued).toBe(0); // claimed: not queued twice
    const worker = await startJobWorker([queues.pullMirrorSync]);
    try {
      const deadline = Date.now() + 20_000;
      while ((await getPullMirror(db(), repo.id))!.lastSyncAt!.getTime() === before.getTime()) {
        if (Date.now() > deadline) throw new Error("the scheduled sync did not run");
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await worker.stop();
    }
    expect(await refs(repoDir("acme", "tools"))).toBe(await refs(upstreamDir));
  });

  it("lets developers create mirrors and sync now, reporters only read the status", async () => {
    const lea = await as("lea");
    await expect(lea.create({ slug: "acme", name: "tools", url: "https://example.test/t.git", interval: 60 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "A repository with this name already exists in this organization",
    });
    await expect(lea.create({ slug: "acme", name: "local", url: "/etc/passwd", interval: 60 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    for (const reserved of ["new", "new-mirror"])
      await expect(lea.create({ slug: "acme", name: reserved, url: "https://example.test/t.git", interval: 60 })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: `"${reserved}" is reserved`,
      });
    await expect(lea.create({ slug: "acme", name: "fast", url: "https://example.test/t.git", interval: 1 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const status = await lea.status({ slug: "acme", name: "tools" });
    expect(status).toMatchObject({ canSync: true, mirror: { url: `${server.url}/git/source/tools.git`, hasCredentials: true, lastStatus: "ok" } });
    expect(JSON.stringify(status)).not.toContain("credentials_encrypted");
    expect(await lea.syncNow({ slug: "acme", name: "tools" })).toEqual({ queued: true });

    const rita = await as("rita");
    expect((await rita.status({ slug: "acme", name: "tools" })).canSync).toBe(false);
    await expect(rita.syncNow({ slug: "acme", name: "tools" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(rita.create({ slug: "acme", name: "x", url: "https://example.test/t.git", interval: 60 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(lea.status({ slug: "acme", name: "puppet" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
