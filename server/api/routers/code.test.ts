import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { callerAs, trpcCode as codeOf } from "@/test/support/trpc";
import { createToken } from "@/server/auth/tokens";
import { commitFiles } from "@/server/git/plumbing/commit";
import { handleArchive, handleRaw } from "@/server/git/downloads";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo } from "@/server/git/repos";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { stopBoss } from "@/server/jobs";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-code-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "y".repeat(40) });
const pw = "Browse-pass-2026";

const as = callerAs(db);

const basic = (user: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}` });
const noSession = async () => null;
const req = (url: string, headers: Record<string, string> = {}) => new Request(`http://portal.test${url}`, { headers });

let reporter: User, outsider: User;
let feature = "";
const latin1Name = Buffer.from("caf\xe9.txt", "latin1");

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  reporter = await createLocalUser(db(), { username: "br-reporter", password: pw });
  outsider = await createLocalUser(db(), { username: "br-outsider", password: pw });
  const lead = await createLocalUser(db(), { username: "br-lead", password: pw });
  const org = await createOrg(db(), { name: "browse", source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db(), org.id, "br-reporter", "reporter");
  const dir = await ensureRepoOnDisk(db(), (await getRepo(db(), "browse", "puppet"))!);
  const develop = execFileSync("git", ["rev-parse", "refs/heads/develop"], { cwd: dir }).toString().trim();
  feature = await commitFiles(dir, {
    branch: "feature/ntp",
    parent: develop,
    files: { "hieradata/common.yaml": "---\nntp::servers:\n  - pool.ntp.org\n", "files/logo.png": "\x89PNG\r\n\x1a\n\0\0\0\rIHDR" },
    message: "NTP servers and a logo",
  });
  execFileSync("git", ["update-ref", "refs/tags/v1.0.0", feature], { cwd: dir });
  // A file whose name is Latin-1, not UTF-8 (as old tarballs bring in): plumbing takes raw bytes.
  const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], { cwd: dir, input: "bonjour\n" }).toString().trim();
  const root = execFileSync("git", ["ls-tree", "-z", develop], { cwd: dir });
  const entry = Buffer.concat([Buffer.from(`100644 blob ${blob}\t`), latin1Name, Buffer.from([0])]);
  const tree = execFileSync("git", ["mktree", "-z"], { cwd: dir, input: Buffer.concat([root, entry]) })
    .toString()
    .trim();
  const latin = execFileSync("git", ["commit-tree", tree, "-p", develop, "-m", "Latin-1 name"], {
    cwd: dir,
    env: { ...process.env, GIT_AUTHOR_NAME: "T", GIT_AUTHOR_EMAIL: "t@x", GIT_COMMITTER_NAME: "T", GIT_COMMITTER_EMAIL: "t@x" },
  })
    .toString()
    .trim();
  execFileSync("git", ["update-ref", "refs/heads/feature/latin1", latin], { cwd: dir });
});

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("code router", () => {
  it("browses the puppet control repo: tree, file, history, commit diff, branches, tags, compare", async () => {
    const me = as(reporter);
    const tree = await me.code.tree({ slug: "browse", name: "puppet", segments: ["feature", "ntp"] });
    expect(tree.kind).toBe("tree");
    if (tree.kind !== "tree") return;
    expect(tree.ref).toMatchObject({ name: "feature/ntp", kind: "branch", commit: feature });
    expect(tree.entries.slice(0, 3).map((e) => e.kind)).toEqual(["tree", "tree", "tree"]);
    expect(tree.entries.map((e) => e.name)).toEqual(expect.arrayContaining(["hieradata", "Puppetfile", "README.md"]));
    expect(tree.readme?.markdown).toBe(true);
    expect(tree.lastCommit?.subject).toBe("NTP servers and a logo");
    expect(tree.repo).toMatchObject({ name: "puppet", defaultRef: "develop" });

    const sub = await me.code.tree({ slug: "browse", name: "puppet", segments: ["develop", "hieradata"] });
    expect(sub.kind === "tree" && sub.entries.map((e) => e.name).slice(0, 2)).toEqual(["nodes", "common.yaml"]);

    const blob = await me.code.blob({ slug: "browse", name: "puppet", segments: ["feature", "ntp", "hieradata", "common.yaml"] });
    expect(blob).toMatchObject({ kind: "blob", path: "hieradata/common.yaml", binary: false, text: "---\nntp::servers:\n  - pool.ntp.org\n" });
    const logo = await me.code.blob({ slug: "browse", name: "puppet", segments: ["v1.0.0", "files", "logo.png"] });
    expect(logo).toMatchObject({ kind: "blob", binary: true, text: null });
    // A directory at a blob URL (and vice versa) tells the page where to go instead.
    expect((await me.code.blob({ slug: "browse", name: "puppet", segments: ["develop", "hieradata"] })).kind).toBe("tree");

    const history = await me.code.commits({ slug: "browse", name: "puppet", ref: ["feature", "ntp"], path: "hieradata/common.yaml", page: 1 });
    expect(history.commits.map((c) => c.subject)).toEqual(["NTP servers and a logo", "Initial control repository from the Rookery template"]);
    expect(history.hasMore).toBe(false);

    const commit = await me.code.commit({ slug: "browse", name: "puppet", sha: feature.slice(0, 8) });
    expect(commit.diff.files.map((f) => [f.newPath, f.binary])).toEqual([
      ["files/logo.png", true],
      ["hieradata/common.yaml", false],
    ]);

    const branches = await me.code.branches({ slug: "browse", name: "puppet", page: 1 });
    expect(branches.base).toBe("develop");
    expect(branches.branches.find((b) => b.name === "feature/ntp")).toMatchObject({ ahead: 1, behind: 0, environment: "development", isDefault: false });
    expect(branches.branches.find((b) => b.name === "master")).toMatchObject({ environment: "production" });

    const tags = await me.code.tags({ slug: "browse", name: "puppet", page: 1 });
    expect(tags.tags.map((t) => t.name)).toEqual(["v1.0.0"]);

    const cmp = await me.code.compare({ slug: "browse", name: "puppet", base: "develop", head: "feature/ntp" });
    expect(cmp.total).toBe(1);
    expect(cmp.diff.files).toHaveLength(2);
  });

  it("answers NOT_FOUND to non-members, unknown refs and paths, and traversal; anonymous must sign in", async () => {
    expect(await codeOf(as(outsider).code.tree({ slug: "browse", name: "puppet", segments: ["develop"] }))).toBe("NOT_FOUND");
    expect(await codeOf(as(outsider).code.commit({ slug: "browse", name: "puppet", sha: feature }))).toBe("NOT_FOUND");
    expect(await codeOf(as(null).code.tags({ slug: "browse", name: "puppet", page: 1 }))).toBe("UNAUTHORIZED");
    const me = as(reporter);
    expect(await codeOf(me.code.tree({ slug: "browse", name: "nope", segments: ["develop"] }))).toBe("NOT_FOUND");
    for (const segments of [
      ["nope"],
      ["develop", "nope"],
      ["develop", "..", "..", "..", "etc"],
      ["..", "develop"],
      ["-n"],
      ["develop", "/etc/passwd"],
      ["develop", "%2e%2e"],
    ])
      expect(await codeOf(me.code.blob({ slug: "browse", name: "puppet", segments })), JSON.stringify(segments)).toBe("NOT_FOUND");
    // A NUL never reaches git: the boundary rule refuses it first.
    expect(await codeOf(me.code.blob({ slug: "browse", name: "puppet", segments: ["develop\0"] }))).toBe("BAD_REQUEST");
    expect(await codeOf(me.code.commits({ slug: "browse", name: "puppet", ref: ["develop"], path: "../../etc", page: 1 }))).toBe("NOT_FOUND");
    expect(await codeOf(me.code.commits({ slug: "browse", name: "puppet", ref: ["--all"], page: 1 }))).toBe("NOT_FOUND");
    expect(await codeOf(me.code.commit({ slug: "browse", name: "puppet", sha: "HEAD" }))).toBe("NOT_FOUND");
    expect(await codeOf(me.code.compare({ slug: "browse", name: "puppet", base: "develop", head: "--output=/tmp/x" }))).toBe("NOT_FOUND");
    expect(await codeOf(me.code.blob({ slug: "browse", name: "puppet", segments: ["develop"], nameHex: "zz" }))).toBe("BAD_REQUEST");
  });
});

describe("file names that are not UTF-8", () => {
  it("are listed with a replacement character and opened by their raw bytes", async () => {
    const me = as(reporter);
    const tree = await me.code.tree({ slug: "browse", name: "puppet", segments: ["feature", "latin1"] });
    const entry = tree.kind === "tree" ? tree.entries.find((e) => e.nameHex) : undefined;
    expect(entry).toMatchObject({ name: "caf\ufffd.txt", nameHex: latin1Name.toString("hex") });
    const blob = await me.code.blob({ slug: "browse", name: "puppet", segments: ["feature", "latin1"], nameHex: entry!.nameHex! });
    expect(blob).toMatchObject({ kind: "blob", path: "caf\ufffd.txt", linkable: false, text: "bonjour\n" });
    const commits = await me.code.commit({ slug: "browse", name: "puppet", sha: tree.ref.commit });
    expect(commits.diff.files).toMatchObject([{ newPath: "caf\ufffd.txt", linkable: false, additions: 1 }]);
    const raw = await handleRaw(
      req(`/raw?name=${entry!.nameHex}`, basic("br-reporter", pw)),
      { slug: "browse", repo: "puppet", path: ["feature", "latin1"] },
      noSession,
    );
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe("bonjour\n");
    // A percent-encoded Latin-1 byte in the path itself is not a name we can decode: 404, no crash.
    const bad = await handleRaw(
      req("/raw", basic("br-reporter", pw)),
      { slug: "browse", repo: "puppet", path: ["feature", "latin1", "caf%E9.txt"] },
      noSession,
    );
    expect(bad.status).toBe(404);
  });
});

describe("raw and archive downloads", () => {
  it("streams a text file inline as text/plain and a binary one as an attachment, with nosniff", async () => {
    const text = await handleRaw(
      req("/raw", basic("br-reporter", pw)),
      { slug: "browse", repo: "puppet", path: ["feature", "ntp", "hieradata", "common.yaml"] },
      noSession,
    );
    expect(text.status).toBe(200);
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(text.headers.get("x-content-type-options")).toBe("nosniff");
    expect(text.headers.get("content-disposition")).toMatch(/^inline; filename="common.yaml"/);
    expect(await text.text()).toBe("---\nntp::servers:\n  - pool.ntp.org\n");

    const bin = await handleRaw(req("/raw", basic("br-reporter", pw)), { slug: "browse", repo: "puppet", path: ["v1.0.0", "files", "logo.png"] }, noSession);
    expect(bin.headers.get("content-type")).toBe("application/octet-stream");
    expect(bin.headers.get("content-disposition")).toMatch(/^attachment; filename="logo.png"/);
    const bytes = Buffer.from(await bin.arrayBuffer());
    expect(bytes.length).toBe(Number(bin.headers.get("content-length")));
    expect(bytes.includes(0)).toBe(true);
  });

  it("returns 404 to non-members, anonymous callers, traversal and unknown refs", async () => {
    const cases: [Record<string, string>, string[]][] = [
      [basic("br-outsider", pw), ["develop", "Puppetfile"]],
      [{}, ["develop", "Puppetfile"]],
      [basic("br-reporter", "wrong-password"), ["develop", "Puppetfile"]],
      [basic("br-reporter", pw), ["develop", "..", "..", "..", "..", "etc", "passwd"]],
      [basic("br-reporter", pw), ["develop", "%2e%2e", "config"]],
      [basic("br-reporter", pw), ["--output=x", "Puppetfile"]],
      [basic("br-reporter", pw), ["nope", "Puppetfile"]],
      [basic("br-reporter", pw), ["develop", "hieradata"]],
    ];
    for (const [headers, p] of cases) {
      const res = await handleRaw(req("/raw", headers), { slug: "browse", repo: "puppet", path: p }, noSession);
      expect(res.status, JSON.stringify(p)).toBe(404);
    }
    const archive = await handleArchive(req("/a", basic("br-outsider", pw)), { slug: "browse", repo: "puppet", ref: ["v1.0.0.tar.gz"] }, noSession);
    expect(archive.status).toBe(404);
    for (const ref of [["nope.tar.gz"], ["v1.0.0"], ["--remote=x.tar.gz"], ["..", "v1.0.0.tar.gz"]]) {
      const res = await handleArchive(req("/a", basic("br-reporter", pw)), { slug: "browse", repo: "puppet", ref }, noSession);
      expect(res.status, ref.join("/")).toBe(404);
    }
  });

  it("streams a tag as a .tar.gz with the repo-tag prefix, to a token too", async () => {
    const { token } = await createToken(db(), { userId: reporter.id, name: "dl", scope: "read", expiresAt: null });
    const res = await handleArchive(req("/a", { authorization: `Bearer ${token}` }), { slug: "browse", repo: "puppet", ref: ["v1.0.0.tar.gz"] }, noSession);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="puppet-v1.0.0.tar.gz"/);
    const gz = Buffer.from(await res.arrayBuffer());
    expect(gz.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const listing = execFileSync("tar", ["-tzf", "-"], { input: gz }).toString().split("\n");
    expect(listing).toEqual(expect.arrayContaining(["puppet-v1.0.0/Puppetfile", "puppet-v1.0.0/hieradata/common.yaml", "puppet-v1.0.0/files/logo.png"]));
  });
});
