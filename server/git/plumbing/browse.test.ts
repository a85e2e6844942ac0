import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  aheadBehind,
  commitsBetween,
  decodeName,
  decodeUrlSegments,
  getCommit,
  isSafePath,
  lastCommitFor,
  listCommits,
  listRefs,
  listTagsPage,
  listTree,
  lookupPath,
  writeCommitGraph,
  readBlob,
  resolveRef,
  resolveRefPath,
} from "./browse";
import { commitFiles } from "./commit";
import { diffCommits, diffOfCommit, parsePatch, parseRawNumstat } from "./diff";

/**
 * A real repository: a worktree repo (so files can have any bytes in their names) whose
 * .git directory the reading functions use, plus a bare one written by commitFiles.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-browse-"));
const work = path.join(tmp, "work");
const dir = path.join(work, ".git");
const latin1Name = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "café.txt" in Latin-1
const shas: Record<string, string> = {};

function git(args: string[], input?: string) {
  return execFileSync("git", args, {
    cwd: work,
    input,
    env: { ...process.env, GIT_AUTHOR_NAME: "Ada", GIT_AUTHOR_EMAIL: "ada@x.test", GIT_COMMITTER_NAME: "Ada", GIT_COMMITTER_EMAIL: "ada@x.test" },
  }).toString();
}

beforeAll(() => {
  fs.mkdirSync(work);
  git(["init", "--quiet", "--initial-branch=develop"]);
  fs.mkdirSync(path.join(work, "hieradata/nodes"), { recursive: true });
  fs.writeFileSync(path.join(work, "hieradata/common.yaml"), "---\nntp::servers:\n  - pool.ntp.org\n");
  fs.writeFileSync(path.join(work, "hieradata/nodes/.keep"), "");
  fs.writeFileSync(path.join(work, "README.md"), "# Control repo\n");
  fs.writeFileSync(path.join(work, "logo.bin"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 255]));
  fs.writeFileSync(Buffer.concat([Buffer.from(work + "/"), latin1Name]), "bonjour\n");
  git(["add", "-A"]);
  git(["commit", "--quiet", "-m", "Initial import"]);
  shas.first = git(["rev-parse", "HEAD"]).trim();

  git(["checkout", "--quiet", "-b", "feature/ntp"]);
  fs.writeFileSync(path.join(work, "hieradata/common.yaml"), "---\nntp::servers:\n  - 0.pool.ntp.org\n  - 1.pool.ntp.org\n");
  fs.writeFileSync(path.join(work, "logo.bin"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9]));
  git(["mv", "README.md", "README.markdown"]);
  git(["commit", "--quiet", "-am", "More NTP servers\n\nTwo pools are better than one."]);
  shas.feature = git(["rev-parse", "HEAD"]).trim();
  git(["tag", "-a", "-m", "First release", "release/v1.0.0"]);
  git(["branch", "release/v1.0"]);
  git(["tag", "v0.1.0", shas.first]);
  git(["checkout", "--quiet", "develop"]);
  for (let i = 1; i <= 7; i++) {
    fs.writeFileSync(path.join(work, `n${i}.txt`), `${i}\n`);
    git(["add", "."]);
    git(["commit", "--quiet", "-m", `Note ${i}`]);
  }
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("refs", () => {
  it("lists branches and tags (annotated tags peeled to their commit)", async () => {
    const refs = await listRefs(dir);
    expect(refs.branches.map((b) => b.name)).toEqual(["develop", "feature/ntp", "release/v1.0"]);
    expect(refs.tags).toEqual([
      { name: "release/v1.0.0", commit: shas.feature },
      { name: "v0.1.0", commit: shas.first },
    ]);
  });

  it("resolves the longest ref prefix of URL segments, so refs with slashes work", async () => {
    expect(await resolveRefPath(dir, ["feature", "ntp", "hieradata", "common.yaml"])).toEqual({
      ref: { name: "feature/ntp", kind: "branch", commit: shas.feature },
      path: "hieradata/common.yaml",
    });
    // release/v1.0 (a branch) is a prefix of release/v1.0.0 (a tag): the longer match wins.
    expect((await resolveRefPath(dir, ["release", "v1.0.0"]))!.ref).toMatchObject({ name: "release/v1.0.0", kind: "tag" });
    expect((await resolveRefPath(dir, ["release", "v1.0", "README.markdown"]))!.ref).toMatchObject({ name: "release/v1.0", kind: "branch" });
    expect(await resolveRefPath(dir, [shas.first.slice(0, 10), "README.md"])).toEqual({
      ref: { name: shas.first.slice(0, 10), kind: "commit", commit: shas.first },
      path: "README.md",
    });
    expect(await resolveRef(dir, "feature/ntp")).toMatchObject({ kind: "branch", commit: shas.feature });
    expect(await resolveRef(dir, shas.feature)).toMatchObject({ kind: "commit", commit: shas.feature });
  });

  it("decodes URL segments once and refuses what decodes to traversal, separators or NUL", () => {
    expect(decodeUrlSegments(["feature", "ntp", "%C3%9Cn%C3%AFcode%20notes.md"])).toEqual(["feature", "ntp", "Ünïcode notes.md"]);
    expect(decodeUrlSegments(["100%25.txt"])).toEqual(["100%.txt"]);
    for (const segs of [["%2e%2e"], ["%2E%2E", "x"], [".."], ["."], ["..%2f..%2fetc"], ["%2fetc"], ["%00"], ["a%0Ab"], ["%E9"], ["%"], [""]])
      expect(decodeUrlSegments(segs), JSON.stringify(segs)).toBeNull();
  });

  it("refuses unknown refs, option-like refs, ranges and traversal", async () => {
    for (const segs of [
      ["nope"],
      ["--output=/tmp/x"],
      ["-n"],
      ["develop..feature"],
      ["develop", "..", "..", "etc", "passwd"],
      ["..", "develop"],
      [".", "develop"],
      ["develop\0"],
      ["HEAD@{1}"],
      ["develop^"],
      ["develop~1"],
      ["a/b"],
      [""],
    ])
      expect(await resolveRefPath(dir, segs), JSON.stringify(segs)).toBeNull();
    for (const name of ["-v", "--all", "develop..feature/ntp", "develop...feature/ntp", "HEAD~1", "../develop", "/develop", "develop/", ""])
      expect(await resolveRef(dir, name), name).toBeNull();
    expect(await resolveRefPath(dir, [])).toBeNull();
  });
});

describe("trees and blobs", () => {
  it("lists a tree with directories first, sizes, and a non-UTF-8 name shown with a replacement character", async () => {
    const root = (await lookupPath(dir, shas.first, ""))!;
    expect(root.type).toBe("tree");
    const { entries, truncated } = await listTree(dir, root.oid);
    expect(truncated).toBe(false);
    expect(entries.map((e) => e.name)).toEqual(["hieradata", "caf\ufffd.txt", "logo.bin", "README.md"]);
    expect(entries[0]).toMatchObject({ kind: "tree", size: null, nameHex: null });
    expect(entries[1]).toMatchObject({ kind: "blob", size: 8, nameHex: latin1Name.toString("hex") });
    expect(entries[2]).toMatchObject({ kind: "blob", size: 10 });
  });

  it("looks up paths by their exact bytes, including names that are not UTF-8", async () => {
    const file = await lookupPath(dir, shas.first, latin1Name);
    expect(file).toMatchObject({ type: "blob", size: 8 });
    expect((await readBlob(dir, file!.oid, file!.size, 1024)).text).toBe("bonjour\n");
    expect(await lookupPath(dir, shas.first, "hieradata/nodes")).toMatchObject({ type: "tree" });
    expect(await lookupPath(dir, shas.first, "nope.txt")).toBeNull();
  });

  it("never looks outside the tree: traversal, absolute paths, NUL and newlines are refused", async () => {
    for (const p of ["../../etc/passwd", "hieradata/../README.md", "/etc/passwd", "./README.md", "README.md\0", "a\nb", "hieradata//common.yaml", "hieradata/"])
      expect(await lookupPath(dir, shas.first, p), JSON.stringify(p)).toBeNull();
    expect(isSafePath("hieradata/common.yaml")).toBe(true);
    expect(isSafePath("%2e%2e/x")).toBe(true); // a literal name: git has no such file, and nothing decodes it again
    expect(await lookupPath(dir, shas.first, "%2e%2e/x")).toBeNull();
    expect(await lookupPath(dir, "develop", "README.md")).toBeNull(); // commits are ids, never names, here
  });

  it("reads text, notes binary files, and only sniffs files over the limit", async () => {
    const yaml = (await lookupPath(dir, shas.feature, "hieradata/common.yaml"))!;
    expect(await readBlob(dir, yaml.oid, yaml.size, 1024)).toEqual({
      binary: false,
      tooLarge: false,
      text: "---\nntp::servers:\n  - 0.pool.ntp.org\n  - 1.pool.ntp.org\n",
    });
    const bin = (await lookupPath(dir, shas.first, "logo.bin"))!;
    expect(await readBlob(dir, bin.oid, bin.size, 1024)).toEqual({ binary: true, tooLarge: false, text: null });
    expect(await readBlob(dir, yaml.oid, yaml.size, 10)).toEqual({ binary: false, tooLarge: true, text: null });
  });

  it("decodes names with replacement instead of failing", () => {
    expect(decodeName(Buffer.from("héllo"))).toEqual({ text: "héllo", valid: true });
    expect(decodeName(latin1Name)).toEqual({ text: "caf\ufffd.txt", valid: false });
  });
});

describe("commits", () => {
  it("pages through history 50 (here 3) at a time and filters by path", async () => {
    const develop = (await resolveRef(dir, "develop"))!.commit;
    const p1 = await listCommits(dir, develop, { limit: 3 });
    expect(p1.commits.map((c) => c.subject)).toEqual(["Note 7", "Note 6", "Note 5"]);
    expect(p1.hasMore).toBe(true);
    const p3 = await listCommits(dir, develop, { limit: 3, skip: 6 });
    expect(p3.commits.map((c) => c.subject)).toEqual(["Note 1", "Initial import"]);
    expect(p3.hasMore).toBe(false);
    expect(p3.commits[1]).toMatchObject({ sha: shas.first, parents: [], authorName: "Ada", authorEmail: "ada@x.test" });
    expect(p3.commits[1].authorDate).toBeInstanceOf(Date);

    const yaml = await listCommits(dir, shas.feature, { path: "hieradata/common.yaml" });
    expect(yaml.commits.map((c) => c.subject)).toEqual(["More NTP servers", "Initial import"]);
    // Pathspec magic is not interpreted: this is a (missing) literal path, not "every file".
    expect((await listCommits(dir, shas.feature, { path: ":(glob)**" })).commits).toEqual([]);
    expect((await listCommits(dir, shas.feature, { path: "../x" })).commits).toEqual([]);
    expect((await lastCommitFor(dir, develop, "hieradata"))!.sha).toBe(shas.first);
  });

  it("gives the same answers with a commit-graph and its Bloom filters", async () => {
    const develop = (await resolveRef(dir, "develop"))!.commit;
    const before = await listCommits(dir, develop, { path: "hieradata" });
    await writeCommitGraph(dir);
    expect(fs.existsSync(path.join(dir, "objects/info/commit-graphs")) || fs.existsSync(path.join(dir, "objects/info/commit-graph"))).toBe(true);
    expect(await listCommits(dir, develop, { path: "hieradata" })).toEqual(before);
  });

  it("reads one commit with its whole message", async () => {
    const c = (await getCommit(dir, shas.feature.slice(0, 12)))!;
    expect(c).toMatchObject({ sha: shas.feature, parents: [shas.first], subject: "More NTP servers", committerName: "Ada" });
    expect(c.message).toBe("More NTP servers\n\nTwo pools are better than one.");
    expect(await getCommit(dir, "--all")).toBeNull();
    expect(await getCommit(dir, "0000000000")).toBeNull();
  });

  it("compares refs and counts ahead/behind", async () => {
    const develop = (await resolveRef(dir, "develop"))!.commit;
    const between = await commitsBetween(dir, develop, shas.feature);
    expect(between).toMatchObject({ mergeBase: shas.first, total: 1 });
    expect(between.commits.map((c) => c.subject)).toEqual(["More NTP servers"]);
    const counts = await aheadBehind(dir, "develop", ["feature/ntp", "release/v1.0"]);
    expect(counts.get("feature/ntp")).toEqual({ ahead: 1, behind: 7 });
    expect(counts.get("release/v1.0")).toEqual({ ahead: 1, behind: 7 });
  });

  it("lists tags newest first, a page at a time", async () => {
    const all = await listTagsPage(dir, { limit: 10 });
    expect(all.tags.map((t) => t.name).sort()).toEqual(["release/v1.0.0", "v0.1.0"]);
    expect(all.tags.find((t) => t.name === "release/v1.0.0")).toMatchObject({ annotated: true, subject: "First release", commit: shas.feature });
    const page = await listTagsPage(dir, { limit: 1 });
    expect(page.tags).toHaveLength(1);
    expect(page.hasMore).toBe(true);
  });
});

describe("diffs", () => {
  it("diffs a commit: renames paired, binary noted, counts and line numbers right", async () => {
    const c = (await getCommit(dir, shas.feature))!;
    const diff = await diffOfCommit(dir, c);
    expect(diff.files.map((f) => [f.status, f.oldPath, f.newPath])).toEqual([
      ["renamed", "README.md", "README.markdown"],
      ["modified", "hieradata/common.yaml", "hieradata/common.yaml"],
      ["modified", "logo.bin", "logo.bin"],
    ]);
    const [readme, yaml, logo] = diff.files;
    expect(readme).toMatchObject({ similarity: 100, additions: 0, deletions: 0, hunks: [] });
    expect(logo).toMatchObject({ binary: true, hunks: [] });
    expect(yaml).toMatchObject({ additions: 2, deletions: 1, binary: false, collapsed: false });
    expect(yaml.hunks[0].lines).toEqual([
      { kind: "context", old: 1, new: 1, text: "---" },
      { kind: "context", old: 2, new: 2, text: "ntp::servers:" },
      { kind: "del", old: 3, new: null, text: "  - pool.ntp.org" },
      { kind: "add", old: null, new: 3, text: "  - 0.pool.ntp.org" },
      { kind: "add", old: null, new: 4, text: "  - 1.pool.ntp.org" },
    ]);
    expect(diff).toMatchObject({ additions: 2, deletions: 1, truncated: false });
  });

  it("diffs a root commit against nothing, with the non-UTF-8 name decoded and not linkable", async () => {
    const diff = await diffOfCommit(dir, (await getCommit(dir, shas.first))!);
    expect(diff.files.every((f) => f.status === "added")).toBe(true);
    const latin = diff.files.find((f) => f.newPath === "caf\ufffd.txt")!;
    expect(latin).toMatchObject({ linkable: false, additions: 1 });
    expect(latin.hunks[0].lines).toEqual([{ kind: "add", old: null, new: 1, text: "bonjour" }]);
    expect(diff.files.find((f) => f.newPath === "hieradata/nodes/.keep")).toMatchObject({ additions: 0, hunks: [] });
  });

  it("collapses large files, drops huge ones, and stops at the total limit", async () => {
    const bare = path.join(tmp, "big.git");
    execFileSync("git", ["init", "--quiet", "--bare", bare]);
    const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} ${i}`).join("\n") + "\n";
    const a = await commitFiles(bare, { branch: "main", files: { "a.txt": "x\n" }, message: "a" });
    const b = await commitFiles(bare, {
      branch: "main",
      parent: a,
      files: { "a.txt": lines(30, "medium"), "b.txt": lines(200, "huge"), "c.txt": lines(10, "late"), "d.txt": lines(10, "later") },
      message: "b",
    });
    const limits = { collapseLines: 20, maxFileLines: 100, maxFileBytes: 1e6, maxTotalLines: 35, maxFiles: 100 };
    const diff = await diffCommits(bare, a, b, limits);
    const [fa, fb, fc, fd] = diff.files;
    expect(fa).toMatchObject({ newPath: "a.txt", collapsed: true, tooLarge: false, omitted: false, additions: 30, deletions: 1 });
    expect(fa.hunks[0].lines).toHaveLength(31);
    expect(fb).toMatchObject({ newPath: "b.txt", tooLarge: true, hunks: [], additions: 200 });
    expect(fc).toMatchObject({ newPath: "c.txt", omitted: false, additions: 10 });
    expect(fd).toMatchObject({ newPath: "d.txt", omitted: true, hunks: [], additions: 10 });
    expect(diff.truncated).toBe(true);
  });

  it("parses raw/numstat records and patches without git", () => {
    const raw = Buffer.from(
      ":100644 100644 aaaa bbbb R090\0old name.txt\0new name.txt\0:000000 100644 0000 cccc A\0bin.dat\0" +
        "1\t2\t\0old name.txt\0new name.txt\0-\t-\tbin.dat\0",
    );
    const { entries, counts } = parseRawNumstat(raw);
    expect(entries).toMatchObject([
      { status: "renamed", oldPath: "old name.txt", newPath: "new name.txt", similarity: 90 },
      { status: "added", oldPath: null, newPath: "bin.dat" },
    ]);
    expect(counts).toEqual([
      { additions: 1, deletions: 2 },
      { additions: null, deletions: null },
    ]);
    const blocks = parsePatch(
      [
        "diff --git a/x b/x",
        "--- a/x",
        "+++ b/x",
        "@@ -10,2 +10,2 @@ ctx",
        "-old",
        "+new",
        " same",
        "\\ No newline at end of file",
        "diff --git a/y b/y",
        "Binary files a/y and b/y differ",
      ].join("\n"),
    );
    expect(blocks).toHaveLength(2);
    expect(blocks[0].hunks[0]).toMatchObject({ oldStart: 10, newStart: 10 });
    expect(blocks[0].hunks[0].lines.map((l) => [l.kind, l.old, l.new])).toEqual([
      ["del", 10, null],
      ["add", null, 10],
      ["context", 11, 11],
      ["note", null, null],
    ]);
    expect(blocks[1].binary).toBe(true);
  });
});
