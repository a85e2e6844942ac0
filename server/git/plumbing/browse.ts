import { runGit, runGitBytes } from "./cli";

/**
 * Reading a repository for the code browser: refs, trees, blobs, commits.
 * Nothing a URL carries reaches git as an option: refs are matched against the repo's
 * real ref names (or are hex object ids), paths travel on stdin or after `--` with
 * literal pathspecs, and `..`, `.`, empty segments, NUL and newlines are refused.
 */

export type RefKind = "branch" | "tag" | "commit";
export type ResolvedRef = { name: string; kind: RefKind; commit: string };
export type RefList = { branches: { name: string; commit: string }[]; tags: { name: string; commit: string }[] };

const hexId = /^[0-9a-f]{4,64}$/;
const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A file name as bytes → what to show (with U+FFFD for bad bytes) and whether it was valid UTF-8. */
export function decodeName(bytes: Buffer): { text: string; valid: boolean } {
  try {
    return { text: fatalUtf8.decode(bytes), valid: true };
  } catch {
    return { text: bytes.toString("utf8"), valid: false };
  }
}

/** One URL path segment that may name a ref part or a file: never `.`/`..`, empty, NUL or newline. */
export function isSafeSegment(seg: string) {
  return seg.length > 0 && seg.length <= 1024 && seg !== "." && seg !== ".." && !/[\0\n\r/]/.test(seg);
}

/**
 * Catch-all route params arrive still percent-encoded (Next 15): decode each segment once.
 * Null when one is malformed or decodes to something that is not a plain name (`..`, `a/b`, NUL…).
 */
export function decodeUrlSegments(segments: string[]): string[] | null {
  const out: string[] = [];
  for (const seg of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      return null;
    }
    if (!isSafeSegment(decoded)) return null;
    out.push(decoded);
  }
  return out;
}

/** A repository-relative path (`a/b/c`, or "" for the root) that is safe to look up. */
export function isSafePath(path: string) {
  return path === "" || (path.length <= 4096 && path.split("/").every(isSafeSegment));
}

/** Branches and tags with the commit each points at (annotated tags peeled; tags of non-commits left out). */
export async function listRefs(dir: string): Promise<RefList> {
  const r = await runGit(
    ["for-each-ref", "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)", "refs/heads/", "refs/tags/"],
    { cwd: dir },
  );
  const refs: RefList = { branches: [], tags: [] };
  for (const line of r.stdout.split("\n")) {
    if (!line) continue;
    const [ref, type, sha, peeledType, peeledSha] = line.split("\0");
    const commit =
      type === "commit" ? sha
      : peeledType === "commit" ? peeledSha
      : null;
    if (!commit) continue;
    if (ref.startsWith("refs/heads/")) refs.branches.push({ name: ref.slice(11), commit });
    else refs.tags.push({ name: ref.slice(10), commit });
  }
  const byName = (a: { name: string }, b: { name: string }) =>
    a.name < b.name ? -1
    : a.name > b.name ? 1
    : 0;
  refs.branches.sort(byName);
  refs.tags.sort(byName);
  return refs;
}

/** The commit a hex object id (full or abbreviated, unambiguous) names, or null. */
export async function resolveCommit(dir: string, id: string): Promise<string | null> {
  if (!hexId.test(id)) return null;
  const r = await runGit(["rev-parse", "--verify", "--quiet", "--end-of-options", `${id}^{commit}`], { cwd: dir, allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

function refIndex(refs: RefList) {
  const map = new Map<string, ResolvedRef>();
  for (const t of refs.tags) map.set(t.name, { name: t.name, kind: "tag", commit: t.commit });
  // A branch wins over a tag of the same name, as in git's own lookup order for heads.
  for (const b of refs.branches) map.set(b.name, { name: b.name, kind: "branch", commit: b.commit });
  return map;
}

/** One ref given whole (a branch, a tag, or a commit id), or null when there is no such thing. */
export async function resolveRef(dir: string, name: string, refs?: RefList): Promise<ResolvedRef | null> {
  if (!name || name.startsWith("-") || !name.split("/").every(isSafeSegment)) return null;
  const found = refIndex(refs ?? (await listRefs(dir))).get(name);
  if (found) return found;
  const commit = await resolveCommit(dir, name);
  return commit ? { name, kind: "commit", commit } : null;
}

/**
 * URL segments after /tree/ or /blob/ → the ref and the path inside it. Refs may contain
 * slashes (feature/x, release/v1.0.0): the longest prefix of the segments that is a ref wins.
 */
export async function resolveRefPath(dir: string, segments: string[], refs?: RefList): Promise<{ ref: ResolvedRef; path: string } | null> {
  if (segments.length === 0 || !segments.every(isSafeSegment) || segments[0].startsWith("-")) return null;
  const index = refIndex(refs ?? (await listRefs(dir)));
  for (let i = segments.length; i >= 1; i--) {
    const found = index.get(segments.slice(0, i).join("/"));
    if (found) return { ref: found, path: segments.slice(i).join("/") };
  }
  const commit = await resolveCommit(dir, segments[0]);
  return commit ? { ref: { name: segments[0], kind: "commit", commit }, path: segments.slice(1).join("/") } : null;
}

export type ObjectInfo = { oid: string; type: "blob" | "tree" | "commit" | "tag"; size: number };

/** What lives at `path` (string or raw bytes) in a commit, or null. The path goes to git on stdin. */
export async function lookupPath(dir: string, commit: string, path: string | Buffer): Promise<ObjectInfo | null> {
  const bytes = typeof path === "string" ? Buffer.from(path, "utf8") : path;
  if (!/^[0-9a-f]{40,64}$/.test(commit) || bytes.includes(0) || bytes.includes(10) || bytes.includes(13)) return null;
  const asText = decodeName(bytes).text;
  if (bytes.length > 0 && !isSafePath(asText)) return null;
  const spec = bytes.length === 0 ? Buffer.from(`${commit}^{tree}\n`) : Buffer.concat([Buffer.from(`${commit}:`), bytes, Buffer.from("\n")]);
  // runGit, not simple-git: stdin-fed plumbing (simple-git has no per-command stdin).
  const r = await runGitBytes(["cat-file", "--batch-check"], { cwd: dir, input: spec });
  const m = r.stdout.toString("latin1").match(/^([0-9a-f]{40,64}) (blob|tree|commit|tag) (\d+)\n?$/);
  return m ? { oid: m[1], type: m[2] as ObjectInfo["type"], size: Number(m[3]) } : null;
}

export type TreeEntry = {
  /** the name to show (bad UTF-8 bytes as U+FFFD) */
  name: string;
  /** the raw name in hex when it is not valid UTF-8 (links then carry it in ?name=) */
  nameHex: string | null;
  kind: "tree" | "blob" | "symlink" | "submodule";
  mode: string;
  oid: string;
  size: number | null;
};

const MAX_TREE_ENTRIES = 5000;

/** A tree's entries, directories first, then by name. */
export async function listTree(dir: string, treeOid: string): Promise<{ entries: TreeEntry[]; truncated: boolean }> {
  if (!/^[0-9a-f]{40,64}$/.test(treeOid)) return { entries: [], truncated: false };
  const r = await runGitBytes(["ls-tree", "-z", "-l", "--end-of-options", treeOid], { cwd: dir });
  const entries: TreeEntry[] = [];
  let start = 0;
  let truncated = false;
  while (start < r.stdout.length) {
    let end = r.stdout.indexOf(0, start);
    if (end < 0) end = r.stdout.length;
    const rec = r.stdout.subarray(start, end);
    start = end + 1;
    const tab = rec.indexOf(9);
    if (tab < 0) continue;
    const [mode, type, oid, size] = rec.subarray(0, tab).toString("latin1").trim().split(/ +/);
    const name = decodeName(rec.subarray(tab + 1));
    const kind =
      type === "tree" ? "tree"
      : type === "commit" ? "submodule"
      : mode === "120000" ? "symlink"
      : "blob";
    if (entries.length >= MAX_TREE_ENTRIES) {
      truncated = true;
      break;
    }
    entries.push({
      name: name.text,
      nameHex: name.valid ? null : rec.subarray(tab + 1).toString("hex"),
      kind,
      mode,
      oid,
      size: size === "-" ? null : Number(size),
    });
  }
  const rank = (e: TreeEntry) =>
    e.kind === "tree" ? 0
    : e.kind === "submodule" ? 1
    : 2;
  entries.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, "en"));
  return { entries, truncated };
}

/** Bytes git itself looks at to decide "binary". */
const SNIFF_BYTES = 8000;

export function looksBinary(bytes: Buffer) {
  return bytes.subarray(0, SNIFF_BYTES).includes(0);
}

/** A blob's content when it is text and at most maxBytes; otherwise only what kind it is. */
export async function readBlob(dir: string, oid: string, size: number, maxBytes: number): Promise<{ binary: boolean; tooLarge: boolean; text: string | null }> {
  if (!/^[0-9a-f]{40,64}$/.test(oid)) throw new Error("bad object id");
  const tooLarge = size > maxBytes;
  const r = await runGitBytes(["cat-file", "blob", oid], { cwd: dir, maxBytes: tooLarge ? SNIFF_BYTES : maxBytes });
  const binary = looksBinary(r.stdout);
  return { binary, tooLarge, text: binary || tooLarge ? null : r.stdout.toString("utf8") };
}

export type CommitSummary = {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authorDate: Date;
  subject: string;
};

export type CommitDetail = CommitSummary & { committerName: string; committerEmail: string; committerDate: Date; message: string };

const US = "\x1f";
const RS = "\x1e";
const summaryFormat = ["%H", "%P", "%an", "%ae", "%aI", "%s"].join("%x1f") + "%x1e";

function parseSummaries(out: string): CommitSummary[] {
  return out
    .split(RS)
    .map((rec) => rec.replace(/^\n/, ""))
    .filter(Boolean)
    .map((rec) => {
      const [sha, parents, authorName, authorEmail, date, subject] = rec.split(US);
      return { sha, parents: parents ? parents.split(" ") : [], authorName, authorEmail, authorDate: new Date(date), subject: subject ?? "" };
    });
}

/** Commits reachable from `commit`, newest first, optionally only those touching `path`. */
export async function listCommits(
  dir: string,
  commit: string,
  opts: { path?: string; skip?: number; limit?: number } = {},
): Promise<{ commits: CommitSummary[]; hasMore: boolean }> {
  const limit = opts.limit ?? 50;
  if (!/^[0-9a-f]{40,64}$/.test(commit)) return { commits: [], hasMore: false };
  if (opts.path && !isSafePath(opts.path)) return { commits: [], hasMore: false };
  const args = [
    "--literal-pathspecs",
    "log",
    `--format=${summaryFormat}`,
    `--skip=${Math.max(0, opts.skip ?? 0)}`,
    "-n",
    String(limit + 1),
    "--end-of-options",
    commit,
    "--",
  ];
  if (opts.path) args.push(opts.path);
  const r = await runGit(args, { cwd: dir });
  const commits = parseSummaries(r.stdout);
  return { commits: commits.slice(0, limit), hasMore: commits.length > limit };
}

/** The newest commit touching `path` (or the commit itself for the root). */
export async function lastCommitFor(dir: string, commit: string, path: string): Promise<CommitSummary | null> {
  const { commits } = await listCommits(dir, commit, { path: path || undefined, limit: 1 });
  return commits[0] ?? null;
}

export async function getCommit(dir: string, id: string): Promise<CommitDetail | null> {
  const sha = await resolveCommit(dir, id);
  if (!sha) return null;
  const format = ["%H", "%P", "%an", "%ae", "%aI", "%s", "%cn", "%ce", "%cI", "%B"].join("%x1f");
  const r = await runGit(["show", "-s", `--format=${format}`, "--end-of-options", sha], { cwd: dir });
  const [full, parents, authorName, authorEmail, date, subject, committerName, committerEmail, cdate, ...body] = r.stdout.split(US);
  return {
    sha: full,
    parents: parents ? parents.split(" ") : [],
    authorName,
    authorEmail,
    authorDate: new Date(date),
    subject,
    committerName,
    committerEmail,
    committerDate: new Date(cdate),
    message: body.join(US).replace(/\n+$/, ""),
  };
}

/** Commits in `head` that are not in `base` (newest first), and their merge base. */
export async function commitsBetween(dir: string, base: string, head: string, limit = 100) {
  if (!/^[0-9a-f]{40,64}$/.test(base) || !/^[0-9a-f]{40,64}$/.test(head)) throw new Error("bad object id");
  const [mb, log, count] = await Promise.all([
    runGit(["merge-base", "--end-of-options", base, head], { cwd: dir, allowFailure: true }),
    runGit(["log", `--format=${summaryFormat}`, "-n", String(limit), "--end-of-options", `${base}..${head}`], { cwd: dir }),
    runGit(["rev-list", "--count", "--end-of-options", `${base}..${head}`], { cwd: dir }),
  ]);
  return { mergeBase: mb.code === 0 ? mb.stdout.trim() : null, commits: parseSummaries(log.stdout), total: Number(count.stdout.trim()) };
}

/** How far each branch is ahead of / behind `base` (full ref names or ids), a few git calls at a time. */
export async function aheadBehind(dir: string, base: string, branches: string[], concurrency = 4) {
  const result = new Map<string, { ahead: number; behind: number }>();
  const queue = [...branches];
  const worker = async () => {
    for (let b = queue.shift(); b !== undefined; b = queue.shift()) {
      const r = await runGit(["rev-list", "--left-right", "--count", "--end-of-options", `refs/heads/${base}...refs/heads/${b}`], {
        cwd: dir,
        allowFailure: true,
      });
      const [behind, ahead] = r.stdout.trim().split(/\s+/).map(Number);
      if (r.code === 0) result.set(b, { ahead, behind });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, branches.length) }, worker));
  return result;
}

export type TagInfo = { name: string; commit: string; date: Date; subject: string; annotated: boolean };

/** Tags, newest first, one page at a time. */
export async function listTagsPage(dir: string, opts: { skip?: number; limit?: number } = {}): Promise<{ tags: TagInfo[]; hasMore: boolean }> {
  const limit = opts.limit ?? 50;
  const skip = opts.skip ?? 0;
  const r = await runGit(
    [
      "for-each-ref",
      "--sort=-creatordate",
      `--count=${skip + limit + 1}`,
      "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objectname)%00%(creatordate:iso-strict)%00%(contents:subject)",
      "refs/tags/",
    ],
    { cwd: dir },
  );
  const tags = r.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [ref, type, sha, peeled, date, subject] = line.split("\0");
      return { name: ref.slice("refs/tags/".length), commit: type === "tag" ? peeled : sha, date: new Date(date), subject, annotated: type === "tag" };
    })
    .slice(skip);
  return { tags: tags.slice(0, limit), hasMore: tags.length > limit };
}

/**
 * Writes the commit-graph with changed-path Bloom filters: path-filtered history and
 * "last commit for a path" then skip commits that cannot touch the path (on a 20,000-commit
 * repo, a full-history path walk drops from ~400 ms to ~30 ms). Cheap and incremental;
 * meant to run after pushes.
 */
export async function writeCommitGraph(dir: string) {
  await runGit(["commit-graph", "write", "--reachable", "--changed-paths", "--split"], { cwd: dir, allowFailure: true });
}
