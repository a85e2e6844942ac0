import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkPush } from "@/server/auth/policies/push";
import { loadConfig } from "@/server/config";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { branchHead } from "@/server/git/plumbing/merge";
import { getRepo, insertRepo, listProtections } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { createMergeRequest, getMergeRequest, listMergeRequests } from "@/server/mergerequests";
import { createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { pusherAs } from "@/test/support/actors";
import { testDatabase } from "@/test/support/db";
import type { FetchServer } from "@/test/support/fetch-server";
import { serveGitHttp } from "@/test/support/git";
import { freePort } from "@/test/support/ports";
import { callerAs, trpcCode } from "@/test/support/trpc";
import { ensureTreeBot, TREE_BOT_NAME, TREE_BOT_USERNAME } from "./tree-bot";
import { cherryPickUpstream, CherryPickConflict, portageTreeSyncJob, promoteTree, syncPortageTree, treeStatus, type TreeSync } from "./tree";

/**
 * The upstream tree is a repository of another organization served over Rookery's own smart
 * HTTP on a real port, with credentials in the URL: the sync takes the same path (http(s),
 * credential helper, timeouts) as with the Gentoo mirror, and local paths stay refused.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-tree-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "t".repeat(40), ROOKERY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
const as = callerAs(db);
const PASSWORD = "Tree-sync-pass/1";
let server: FetchServer;
let upstreamDir = "";
let treeDir = "";
let admin: User;
let dev: User;
let upstreamUrl = "";

const ebuild = (pkg: string, version: string, extra = "") =>
  `# Copyright 1999-2026 Gentoo Authors\n# Distributed under the terms of the GNU General Public License v2\n\nEAPI=8\n\nDESCRIPTION="${pkg}"\nHOMEPAGE="https://example.org/${pkg}"\nSRC_URI="https://example.org/${pkg}-${version}.tar.gz"\n\nLICENSE="MIT"\nSLOT="0"\nKEYWORDS="amd64 arm64"\n${extra}`;

async function upstreamCommit(files: Record<string, string>, message: string) {
  const parent = (await branchHead(upstreamDir, "stable")) ?? undefined;
  return commitFiles(upstreamDir, { branch: "stable", parent, files, message, author: { name: "Gentoo Dev", email: "dev@gentoo.org" } });
}

async function localCommit(files: Record<string, string>, message: string) {
  return commitFiles(treeDir, { branch: "development", parent: (await branchHead(treeDir, "development"))!, files, message });
}

const heads = async () => ({
  development: await branchHead(treeDir, "development"),
  staging: await branchHead(treeDir, "staging"),
  production: await branchHead(treeDir, "production"),
});

const parents = async (sha: string) => (await runGit(["rev-list", "--parents", "-n", "1", sha], { cwd: treeDir })).stdout.trim().split(" ").slice(1);

function withUpstream(url: string) {
  process.env.PORTAGE_TREE_UPSTREAM = url;
  loadConfig();
}

beforeAll(async () => {
  server = await serveGitHttp();
  admin = await createLocalUser(db(), { username: "tree-admin", password: "Admin-password-1", isAdmin: true });
  dev = await createLocalUser(db(), { username: "tree-dev", password: "Dev-password-1" });
  const bot = await createLocalUser(db(), { username: "treebot", password: PASSWORD });
  const upstreamOrg = await createOrg(db(), { name: "gentoo-upstream", source: "local", members: [{ userId: bot.id, role: "reporter" }] });
  await insertRepo(db(), upstreamOrg, { name: "gentoo", defaultBranch: "stable" });
  upstreamDir = await ensureRepoOnDisk(db(), (await getRepo(db(), "gentoo-upstream", "gentoo"))!);
  await upstreamCommit(
    {
      "metadata/layout.conf": "masters =\nrepo-name = gentoo\nthin-manifests = true\nsign-manifests = false\ncache-formats = md5-dict\n",
      "profiles/repo_name": "gentoo\n",
      "profiles/package.mask": "# Gentoo package.mask\n",
      "app-misc/hello/hello-2.12.ebuild": ebuild("hello", "2.12"),
      "app-misc/hello/Manifest": "DIST hello-2.12.tar.gz 1017723 BLAKE2B aa SHA512 bb\n",
      "dev-libs/openssl/openssl-3.3.1.ebuild": ebuild("openssl", "3.3.1", 'IUSE="ktls"\n'),
      "dev-libs/openssl/Manifest": "DIST openssl-3.3.1.tar.gz 18319000 BLAKE2B cc SHA512 dd\n",
    },
    "Initial tree",
  );
  upstreamUrl = `${server.url.replace("http://", `http://treebot:${encodeURIComponent(PASSWORD)}@`)}/git/gentoo-upstream/gentoo.git`;
  process.env.PORTAGE_TREE_UPSTREAM_BRANCH = "stable";
  withUpstream(upstreamUrl);
  await ensureInfrastructureOrg(db());
  await ensureInfrastructureOrg(db()); // idempotent
  treeDir = await ensureRepoOnDisk(db(), (await getRepo(db(), "infrastructure", "gentoo"))!);
});

afterAll(async () => {
  await server?.close();
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("portage tree mirror", () => {
  afterEach(() => {
    process.env.PORTAGE_TREE_UPSTREAM_BRANCH = "stable";
    withUpstream(upstreamUrl);
  });

  it("exists after start-up, empty, with its branches protected", async () => {
    const repo = (await getRepo(db(), "infrastructure", "gentoo"))!;
    expect(repo.kind).toBe("standard");
    expect(repo.defaultBranch).toBe("development");
    expect(await heads()).toEqual({ development: null, staging: null, production: null });
    const protections = await listProtections(db(), repo.id);
    expect(protections.map((p) => p.pattern).sort()).toEqual(["development", "production", "staging", "upstream"]);
    const push = checkPush(repo, pusherAs("leader"), protections, [{ ref: "refs/heads/production", oldSha: "0".repeat(40), newSha: "a".repeat(40) }]);
    expect(push).toEqual({ ok: false, messages: ["production is protected: open a merge request"] });
  });

  it("reports an unset or unreachable upstream by URL and creates nothing", async () => {
    withUpstream("");
    const off = await syncPortageTree(db(), { trigger: "manual" });
    expect(off.outcome).toBe("error");
    expect(off.error).toContain("PORTAGE_TREE_UPSTREAM");

    const port = await freePort();
    withUpstream(`http://127.0.0.1:${port}/gentoo.git`);
    const down = await syncPortageTree(db(), { trigger: "schedule" });
    expect(down.outcome).toBe("error");
    expect(down.error).toContain(`Fetching http://127.0.0.1:${port}/gentoo.git (branch stable) failed`);
    expect(down.error).toMatch(/connect|refused/i);
    expect(down.error).toContain(
      `Check that this server reaches 127.0.0.1:${port} (DNS, firewall, proxy) and that PORTAGE_TREE_UPSTREAM is right, then sync again.`,
    );

    withUpstream(upstreamUrl.replace("gentoo.git", "nope.git"));
    const missing = await syncPortageTree(db(), { trigger: "schedule" });
    expect(missing.error).toContain(`Fetching ${server.url}/git/gentoo-upstream/nope.git (branch stable) failed: HTTP 404`);
    expect(missing.error).toMatch(/not found\. Check the repository URL in PORTAGE_TREE_UPSTREAM, then sync again\.$/);

    withUpstream(`${server.url}/git/gentoo-upstream/gentoo.git`);
    expect((await syncPortageTree(db(), { trigger: "schedule" })).error).toContain("failed: HTTP 401");
    withUpstream(upstreamUrl.replace(encodeURIComponent(PASSWORD), "Wrong-pass-1"));
    const denied = await syncPortageTree(db(), { trigger: "schedule" });
    expect(denied.error).toContain("failed: HTTP 401");
    expect(denied.error).not.toContain("Wrong-pass-1");

    withUpstream("git://mallory:secret@127.0.0.1:9/gentoo.git");
    const refused = await syncPortageTree(db(), { trigger: "schedule" });
    expect(refused.error).toContain("PORTAGE_TREE_UPSTREAM git://127.0.0.1:9/gentoo.git: git:// has no authentication");
    expect(refused.error).not.toContain("secret");
    expect(refused.upstreamUrl).toBe("git://127.0.0.1:9/gentoo.git");
    expect((await treeStatus(db())).upstreamUrl).toBe("git://127.0.0.1:9/gentoo.git");

    process.env.PORTAGE_TREE_UPSTREAM_BRANCH = "nope";
    withUpstream(upstreamUrl);
    expect((await syncPortageTree(db(), { trigger: "schedule" })).error).toMatch(
      /\(branch nope\) failed: no such branch upstream.*Set PORTAGE_TREE_UPSTREAM_BRANCH to a branch the upstream has/s,
    );
    process.env.PORTAGE_TREE_UPSTREAM_BRANCH = "stable";
    withUpstream(upstreamUrl);
    expect(await heads()).toEqual({ development: null, staging: null, production: null });
  });

  it("first sync creates development, staging and production at upstream", async () => {
    const upstream = (await branchHead(upstreamDir, "stable"))!;
    // the workers' start-up job syncs a tree that was never synced …
    const first = (await portageTreeSyncJob(db(), { trigger: "startup" })) as TreeSync;
    expect(first).toMatchObject({ outcome: "created", upstreamSha: upstream, developmentBefore: null, developmentAfter: upstream, error: null });
    expect(first.upstreamUrl).not.toContain(PASSWORD);
    expect(await heads()).toEqual({ development: upstream, staging: upstream, production: upstream });
    expect(await branchHead(treeDir, "upstream")).toBe(upstream);
    expect((await syncPortageTree(db(), { trigger: "schedule" })).outcome).toBe("up-to-date");
    // … and leaves one that exists to the schedule
    expect(await portageTreeSyncJob(db(), { trigger: "startup" })).toEqual({ skipped: "development exists" });
  });

  it("fast-forwards development only when upstream moves", async () => {
    const before = await heads();
    await upstreamCommit({ "app-misc/hello/hello-2.12.1.ebuild": ebuild("hello", "2.12.1") }, "app-misc/hello: add 2.12.1");
    const tip = await upstreamCommit(
      { "dev-libs/openssl/openssl-3.3.2.ebuild": ebuild("openssl", "3.3.2", 'IUSE="ktls"\n') },
      "dev-libs/openssl: add 3.3.2 (CVE-2026-0001)",
    );
    const sync = await syncPortageTree(db(), { trigger: "schedule" });
    expect(sync).toMatchObject({ outcome: "fast-forward", developmentBefore: before.development, developmentAfter: tip });
    expect(await heads()).toEqual({ development: tip, staging: before.staging, production: before.production });

    const status = await treeStatus(db());
    expect(status.upstream?.sha).toBe(tip);
    expect(status.branches.map((b) => [b.name, b.behind])).toEqual([
      ["development", 0],
      ["staging", 2],
      ["production", 2],
    ]);
    expect(status.syncs[0].outcome).toBe("fast-forward");
  });

  it("merges upstream into development that has local commits, keeping history", async () => {
    const local = await localCommit({ "profiles/package.mask/rookery": "# masked here\n>=app-misc/hello-2.13\n" }, "Mask hello 2.13 locally");
    const up = await upstreamCommit({ "app-misc/hello/metadata.xml": "<pkgmetadata/>\n" }, "app-misc/hello: add metadata.xml");
    const sync = await syncPortageTree(db(), { trigger: "schedule" });
    expect(sync.outcome).toBe("merge");
    const merged = (await branchHead(treeDir, "development"))!;
    expect(sync.developmentAfter).toBe(merged);
    expect(await parents(merged)).toEqual([local, up]);
    const files = (await runGit(["ls-tree", "-r", "--name-only", merged], { cwd: treeDir })).stdout;
    expect(files).toContain("profiles/package.mask/rookery");
    expect(files).toContain("app-misc/hello/metadata.xml");
  });

  it("stops at a conflict, names the path and moves nothing", async () => {
    const path = "dev-libs/openssl/openssl-3.3.2.ebuild";
    await localCommit({ [path]: ebuild("openssl", "3.3.2", 'IUSE="ktls rookery"\n') }, "openssl: our USE flag");
    const before = await heads();
    const up = await upstreamCommit({ [path]: ebuild("openssl", "3.3.2", 'IUSE="ktls fips"\n') }, "dev-libs/openssl: add fips");
    const sync = await syncPortageTree(db(), { trigger: "schedule" });
    expect(sync).toMatchObject({
      outcome: "conflict",
      conflicts: [path],
      upstreamSha: up,
      developmentBefore: before.development,
      developmentAfter: before.development,
    });
    expect(await heads()).toEqual(before);
    expect((await treeStatus(db())).syncs[0].conflicts).toEqual([path]);
    // resolved by hand: development reverts its change, the next sync merges
    await localCommit({ [path]: ebuild("openssl", "3.3.2", 'IUSE="ktls"\n') }, "openssl: drop our USE flag");
    expect((await syncPortageTree(db(), { trigger: "schedule" })).outcome).toBe("merge");
  });

  it("promote opens a merge request development → staging", async () => {
    const { number } = await promoteTree(db(), admin, "development");
    const mr = (await getMergeRequest(db(), (await getRepo(db(), "infrastructure", "gentoo"))!.id, number))!;
    expect(mr).toMatchObject({ sourceBranch: "development", targetBranch: "staging", state: "open", headSha: await branchHead(treeDir, "development") });
    expect(mr.description).toContain("Mask hello 2.13 locally");
    // staging → production has nothing to promote yet
    await expect(promoteTree(db(), admin, "staging")).rejects.toThrow(/already contains every commit/);
  });

  it("cherry-picks only the chosen upstream commit onto production and opens a merge request", async () => {
    const production = (await branchHead(treeDir, "production"))!;
    const config = fs.readFileSync(path.join(treeDir, "config"), "utf8");
    const fix = (await runGit(["log", "--format=%H", "--grep=CVE-2026-0001", "upstream"], { cwd: treeDir })).stdout.trim();
    const picked = await cherryPickUpstream(db(), admin, { target: "production", commits: [fix] });
    expect(picked.branch).toBe(`tree/pick-production-${fix.slice(0, 12)}`);
    const head = (await branchHead(treeDir, picked.branch))!;
    expect(await parents(head)).toEqual([production]);
    const changed = (await runGit(["diff", "--name-only", production, head], { cwd: treeDir })).stdout.trim();
    expect(changed).toBe("dev-libs/openssl/openssl-3.3.2.ebuild");
    const message = (await runGit(["log", "-1", "--format=%an%n%B", head], { cwd: treeDir })).stdout;
    expect(message).toContain("Gentoo Dev");
    expect(message).toContain(`(cherry picked from commit ${fix})`);
    const mr = (await getMergeRequest(db(), (await getRepo(db(), "infrastructure", "gentoo"))!.id, picked.number))!;
    expect(mr).toMatchObject({ sourceBranch: picked.branch, targetBranch: "production", state: "open" });
    expect(mr.description).toContain(`${fix.slice(0, 12)} dev-libs/openssl: add 3.3.2 (CVE-2026-0001)`);
    expect(await branchHead(treeDir, "production")).toBe(production);
    // the throw-away worktree leaves the bare repository as it was
    expect(fs.readFileSync(path.join(treeDir, "config"), "utf8")).toBe(config);
    expect(fs.existsSync(path.join(treeDir, "worktrees")) ? fs.readdirSync(path.join(treeDir, "worktrees")) : []).toEqual([]);
    // several at once go in upstream's order, whatever order they were chosen in
    const hello = (await runGit(["log", "--format=%H", "--grep=hello: add 2.12.1", "upstream"], { cwd: treeDir })).stdout.trim();
    const both = await cherryPickUpstream(db(), admin, { target: "staging", commits: [fix, hello] });
    const subjects = (await runGit(["log", "--format=%s", `staging..${both.branch}`], { cwd: treeDir })).stdout.trim().split("\n");
    expect(subjects).toEqual(["dev-libs/openssl: add 3.3.2 (CVE-2026-0001)", "app-misc/hello: add 2.12.1"]);
    // not upstream, already there
    await expect(cherryPickUpstream(db(), admin, { target: "production", commits: [production.slice(0, 12)] })).rejects.toThrow(/already contains/);
  });

  it("reports a cherry-pick conflict with its path and creates no branch", async () => {
    const fips = (await runGit(["log", "--format=%H", "--grep=add fips", "upstream"], { cwd: treeDir })).stdout.trim();
    const branches = (await runGit(["for-each-ref", "--format=%(refname)", "refs/heads"], { cwd: treeDir })).stdout;
    const err = await cherryPickUpstream(db(), admin, { target: "production", commits: [fips] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CherryPickConflict);
    expect((err as CherryPickConflict).conflicts).toEqual(["dev-libs/openssl/openssl-3.3.2.ebuild"]);
    expect((err as Error).message).toContain("dev-libs/openssl/openssl-3.3.2.ebuild");
    expect((await runGit(["for-each-ref", "--format=%(refname)", "refs/heads"], { cwd: treeDir })).stdout).toBe(branches);
    expect((await runGit(["worktree", "list", "--porcelain"], { cwd: treeDir })).stdout.match(/^worktree /gm)).toHaveLength(1);
  });

  it("lets administrators only see and act (tRPC)", async () => {
    const fix = (await runGit(["rev-parse", "upstream"], { cwd: treeDir })).stdout.trim();
    for (const call of [
      (c: ReturnType<typeof as>) => c.portageTree.status(),
      (c: ReturnType<typeof as>) => c.portageTree.missing({ target: "production" }),
      (c: ReturnType<typeof as>) => c.portageTree.syncNow(),
      (c: ReturnType<typeof as>) => c.portageTree.promote({ from: "staging" }),
      (c: ReturnType<typeof as>) => c.portageTree.cherryPick({ target: "production", commits: [fix] }),
    ]) {
      expect(await trpcCode(call(as(dev)))).toBe("FORBIDDEN");
      expect(await trpcCode(call(as(null)))).toBe("UNAUTHORIZED");
    }
    const status = await as(admin).portageTree.status();
    expect(status.upstreamUrl).toBe(`${server.url}/git/gentoo-upstream/gentoo.git`);
    expect((await as(admin).portageTree.missing({ target: "production" })).total).toBeGreaterThan(0);
    expect(await trpcCode(as(admin).portageTree.cherryPick({ target: "production", commits: ["not-a-sha"] }))).toBe("BAD_REQUEST");
    const fips = (await runGit(["log", "--format=%H", "--grep=add fips", "upstream"], { cwd: treeDir })).stdout.trim();
    const conflict = await as(admin)
      .portageTree.cherryPick({ target: "production", commits: [fips] })
      .catch((e: unknown) => e);
    expect(conflict).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("dev-libs/openssl/openssl-3.3.2.ebuild") });
    expect((await as(admin).portageTree.syncNow()).jobId).toBeTruthy();
  });

  it("a lone administrator approves and merges the cherry-pick merge request: the tree bot is its author, production gets the fix", async () => {
    const repo = (await getRepo(db(), "infrastructure", "gentoo"))!;
    const open = (await listMergeRequests(db(), repo.id, { state: "open", page: 1 })).items;
    const { mr, author } = open.find((m) => m.mr.targetBranch === "production")!;
    expect(author?.username).toBe(TREE_BOT_USERNAME);
    expect(mr.description).toContain(`Opened for @${admin.username}`);
    // the picked commit keeps its upstream author; the bot, not the admin, is its committer
    const committer = (await runGit(["log", "-1", "--format=%an|%cn", mr.headSha], { cwd: treeDir })).stdout.trim();
    expect(committer).toBe(`Gentoo Dev|${TREE_BOT_NAME}`);
    const ref = { slug: "infrastructure", name: "gentoo", number: mr.number };
    // the protected branch's rule stays: one approval, not the author's
    expect((await listProtections(db(), repo.id)).find((p) => p.pattern === "production")).toMatchObject({ requiredApprovals: 1, authorsCannotApprove: true });
    await expect(as(admin).mergeRequests.merge({ ...ref, expectedHeadSha: mr.headSha, deleteSource: true })).rejects.toThrow(/1 approval required, 0 given/);
    await as(admin).mergeRequests.approve({ ...ref, expectedHeadSha: mr.headSha });
    const before = (await branchHead(treeDir, "production"))!;
    await as(admin).mergeRequests.merge({ ...ref, expectedHeadSha: mr.headSha, deleteSource: true });
    const after = (await branchHead(treeDir, "production"))!;
    expect(await parents(after)).toEqual([before, mr.headSha]);
    expect((await runGit(["show", `${after}:dev-libs/openssl/openssl-3.3.2.ebuild`], { cwd: treeDir })).stdout).toContain("3.3.2");
    expect((await getMergeRequest(db(), repo.id, mr.number))!.state).toBe("merged");
    expect((await treeStatus(db())).branches.find((b) => b.name === "production")!.upstreamDate).not.toBeNull();
  });

  it("a lone administrator promotes development → staging and merges it; a merge request someone authored still needs another approver", async () => {
    const repo = (await getRepo(db(), "infrastructure", "gentoo"))!;
    const open = (await listMergeRequests(db(), repo.id, { state: "open", page: 1 })).items;
    const promotion = open.find((m) => m.mr.sourceBranch === "development" && m.mr.targetBranch === "staging")!;
    expect(promotion.author?.username).toBe(TREE_BOT_USERNAME);
    const ref = { slug: "infrastructure", name: "gentoo", number: promotion.mr.number };
    await as(admin).mergeRequests.approve({ ...ref, expectedHeadSha: promotion.mr.headSha });
    await as(admin).mergeRequests.merge({ ...ref, expectedHeadSha: promotion.mr.headSha });
    expect((await getMergeRequest(db(), repo.id, promotion.mr.number))!.state).toBe("merged");
    const staging = (await branchHead(treeDir, "staging"))!;
    expect(await parents(staging)).toContain(promotion.mr.headSha);
    // the bot is no administrator; an administrator's own merge request is still theirs: no self-approval
    expect(await trpcCode(as(await ensureTreeBot(db())).portageTree.status())).toBe("FORBIDDEN");
    await localCommit({ "profiles/package.mask/rookery-e2": "# ours\n" }, "Mask something else");
    const own = await createMergeRequest(db(), repo, treeDir, admin, {
      title: "Our own change",
      description: "",
      sourceBranch: "development",
      targetBranch: "staging",
      reviewers: [],
    });
    const mine = (await getMergeRequest(db(), repo.id, own.number))!;
    expect(await trpcCode(as(admin).mergeRequests.approve({ ...ref, number: own.number, expectedHeadSha: mine.headSha }))).toBe("FORBIDDEN");
  });
});
