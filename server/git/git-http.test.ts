import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { gitRunner, serveGitHttp } from "@/test/support/git";
import type { FetchServer } from "@/test/support/fetch-server";
import { createToken } from "@/server/auth/tokens";
import { loadConfig } from "@/server/config";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, getUserByUsername } from "@/server/users";
import { ensureInfrastructureOrg } from "./infrastructure";
import { stopBoss } from "@/server/jobs";
import { syncMirrorsOf } from "./events";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-git-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-clone-"));
let server: FetchServer;
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "x".repeat(40) });

const git = gitRunner(work, { name: "T", email: "t@x" });

const url = (user: string, secret: string, repo: string) => `${server.url.replace("http://", `http://${user}:${encodeURIComponent(secret)}@`)}/git/${repo}.git`;

beforeAll(async () => {
  server = await serveGitHttp();
  await ensureInfrastructureOrg(db());
  const leader = await createLocalUser(db(), { username: "lea", password: "Chief-password-1" });
  await createLocalUser(db(), { username: "dev", password: "Coder-password-1" });
  await createLocalUser(db(), { username: "outsider", password: "Stranger-pass-1" });
  await createLocalUser(db(), { username: "boss", password: "Admin-password-1", isAdmin: true });
  const org = await createOrg(db(), { name: "acme", source: "local", members: [{ userId: leader.id, role: "leader" }] });
  await addMember(db(), org.id, "dev", "developer");
});

afterAll(async () => {
  await server?.close();
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe("smart HTTP", () => {
  it("asks for credentials, hides repos from non-members, and clones the puppet template for members", async () => {
    const anon = await fetch(`${server.url}/git/acme/puppet.git/info/refs?service=git-upload-pack`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toMatch(/^Basic realm="Rookery"/);

    const outsider = await git(["clone", url("outsider", "Stranger-pass-1", "acme/puppet"), "x"]);
    expect(outsider.status).not.toBe(0);
    expect(outsider.stderr).toMatch(/not found|404/i);

    const r = await git(["clone", "--branch", "develop", url("lea", "Chief-password-1", "acme/puppet"), "puppet"]);
    expect(r.status, r.stderr).toBe(0);
    const files = fs.readdirSync(path.join(work, "puppet")).sort();
    expect(files).toEqual(expect.arrayContaining(["Puppetfile", "Puppetfile.lock", "README.md", "environment.conf", "hiera.yaml", "hieradata"]));
    expect(fs.readFileSync(path.join(work, "puppet/Puppetfile"), "utf8")).toContain("/git/acme/role.git");
    expect(fs.existsSync(path.join(work, "puppet/hieradata/nodes/.keep"))).toBe(true);
    const lock = fs.readFileSync(path.join(work, "puppet/Puppetfile.lock"), "utf8");
    expect(lock).toMatch(/sha: [0-9a-f]{40}/);
    const heads = (await git(["ls-remote", "--heads", "origin"], path.join(work, "puppet"))).stdout;
    expect(heads).toContain("refs/heads/master");
    expect(heads).toContain("refs/heads/develop");
  });

  it("lets developers push feature branches with a token, and refuses protected branches with the reason", async () => {
    const dir = path.join(work, "puppet");
    fs.appendFileSync(path.join(dir, "hieradata/common.yaml"), "ntp::servers: [pool.ntp.org]\n");
    expect((await git(["commit", "-am", "ntp"], dir)).status).toBe(0);
    const feature = await git(["push", "origin", "HEAD:refs/heads/feature/ntp"], dir);
    expect(feature.status, feature.stderr).toBe(0);
    const develop = await git(["push", "origin", "HEAD:refs/heads/develop"], dir);
    expect(develop.status).not.toBe(0);
    expect(develop.stderr).toContain("develop is protected: open a merge request");
    const badTag = await git(["push", "origin", "HEAD:refs/tags/1.0"], dir);
    expect(badTag.stderr).toContain("not semver");
    expect((await git(["push", "origin", "HEAD:refs/tags/v1.0.0"], dir)).status).toBe(0);
  });

  it("accepts personal access tokens as the Basic password, read scope only reading", async () => {
    const lea = (await getUserByUsername(db(), "lea"))!;
    const read = await createToken(db(), { userId: lea.id, name: "ci", scope: "read", expiresAt: null });
    const clone = await git(["clone", url("lea", read.token, "acme/puppet"), "via-token"]);
    expect(clone.status, clone.stderr).toBe(0);
    const dir = path.join(work, "via-token");
    fs.writeFileSync(path.join(dir, "x.txt"), "x");
    await git(["add", "."], dir);
    await git(["commit", "-m", "x"], dir);
    const push = await git(["push", "origin", "HEAD:refs/heads/feature/ro"], dir);
    expect(push.status).not.toBe(0);
    expect(push.stderr).toMatch(/403|read-only/);
  });

  it("keeps role/profile mirrors read-only and updates them when the global module moves", async () => {
    const mirror = await git(["clone", url("lea", "Chief-password-1", "acme/role"), "role"]);
    expect(mirror.status, mirror.stderr).toBe(0);
    const dir = path.join(work, "role");
    fs.writeFileSync(path.join(dir, "new.pp"), "class role::x {}\n");
    await git(["add", "."], dir);
    await git(["commit", "-m", "x"], dir);
    const push = await git(["push", "origin", "HEAD:refs/heads/feature/x"], dir);
    expect(push.stderr).toContain("read-only mirror of infrastructure/role");

    // An admin changes the global module (feature branch: develop is protected there too).
    const infra = await git(["clone", url("boss", "Admin-password-1", "infrastructure/role"), "infra-role"]);
    expect(infra.status, infra.stderr).toBe(0);
    const idir = path.join(work, "infra-role");
    fs.writeFileSync(path.join(idir, "web.pp"), "class role::web {}\n");
    await git(["add", "."], idir);
    await git(["commit", "-m", "web role"], idir);
    expect((await git(["push", "origin", "HEAD:refs/heads/feature/web"], idir)).status).toBe(0);
    await syncMirrorsOf("infrastructure/role");
    const heads = (await git(["ls-remote", url("lea", "Chief-password-1", "acme/role")])).stdout;
    expect(heads).toContain("refs/heads/feature/web");
  });

  it("refuses a push over GIT_MAX_PUSH_MB with git's own message, and keeps the repo as it was", async () => {
    Object.assign(process.env, { GIT_MAX_PUSH_MB: "1" });
    loadConfig();
    try {
      const dir = path.join(work, "puppet");
      fs.writeFileSync(path.join(dir, "big.bin"), randomBytes(3 * 1024 * 1024));
      await git(["add", "big.bin"], dir);
      await git(["commit", "-m", "big"], dir);
      const push = await git(["push", "origin", "HEAD:refs/heads/feature/big"], dir);
      expect(push.status).not.toBe(0);
      expect(push.stderr).toMatch(/exceeds maximum allowed size/);
      const heads = (await git(["ls-remote", "--heads", "origin"], dir)).stdout;
      expect(heads).not.toContain("feature/big");
    } finally {
      delete process.env.GIT_MAX_PUSH_MB;
      loadConfig();
    }
  });

  it("answers 1,000 concurrent ls-remote requests or refuses them cleanly with 429", { timeout: 120_000 }, async () => {
    Object.assign(process.env, { GIT_MAX_CONCURRENT: "8", GIT_MAX_QUEUED: "200" });
    loadConfig();
    try {
      const lea = (await getUserByUsername(db(), "lea"))!;
      const { token } = await createToken(db(), { userId: lea.id, name: "burst", scope: "read", expiresAt: null });
      const auth = `Basic ${Buffer.from(`lea:${token}`).toString("base64")}`;
      const statuses = await Promise.all(
        Array.from({ length: 1000 }, () =>
          fetch(`${server.url}/git/acme/puppet.git/info/refs?service=git-upload-pack`, { headers: { authorization: auth } })
            .then(async (r) => {
              await r.arrayBuffer();
              return r.status;
            })
            .catch((e: Error) => `${e.message}: ${(e.cause as Error | undefined)?.message ?? ""}`),
        ),
      );
      const ok = statuses.filter((s) => s === 200).length;
      expect(statuses.filter((s) => s !== 200 && s !== 429).slice(0, 5), "neither answered nor refused").toEqual([]);
      expect(ok).toBeGreaterThanOrEqual(200);
      // And the server is still fine afterwards.
      const after = await fetch(`${server.url}/git/acme/puppet.git/info/refs?service=git-upload-pack`, { headers: { authorization: auth } });
      expect(after.status).toBe(200);
    } finally {
      delete process.env.GIT_MAX_CONCURRENT;
      delete process.env.GIT_MAX_QUEUED;
      loadConfig();
    }
  });
});
