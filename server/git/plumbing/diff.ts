import { runGitBytes, spawnGit } from "./cli";
import { decodeName, isSafePath } from "./browse";

/**
 * Diffs for commit, compare and (later) merge request pages. File names and counts come
 * from `--raw --numstat -z` (exact bytes, renames paired); the unified patch is streamed
 * and parsed line by line with limits, so a huge diff costs bounded memory and time.
 */

export type DiffLine = { kind: "context" | "add" | "del" | "note"; old: number | null; new: number | null; text: string };
export type Hunk = { header: string; oldStart: number; newStart: number; lines: DiffLine[] };

export type FileStatus = "added" | "deleted" | "modified" | "renamed" | "copied" | "type-changed";

export type FileDiff = {
  oldPath: string | null;
  newPath: string | null;
  /** false when the (new) path is not valid UTF-8: shown, but not linked */
  linkable: boolean;
  status: FileStatus;
  similarity: number | null;
  oldMode: string;
  newMode: string;
  additions: number;
  deletions: number;
  binary: boolean;
  hunks: Hunk[];
  /** many changed lines: shown collapsed, one click away */
  collapsed: boolean;
  /** too large to show at all: only the counts */
  tooLarge: boolean;
  /** the patch was not read (the whole diff hit its limit before this file) */
  omitted: boolean;
  /** hunks left out on purpose by a page that loads them when the file is opened */
  deferred?: boolean;
};

export type Diff = { files: FileDiff[]; additions: number; deletions: number; truncated: boolean };

export const diffLimits = {
  /** changed lines above which a file starts collapsed */
  collapseLines: 500,
  /** lines (or bytes) above which a file's patch is not shown */
  maxFileLines: 5000,
  maxFileBytes: 500 * 1024,
  /** total lines kept for the whole diff; later files are omitted */
  maxTotalLines: 20_000,
  maxFiles: 1000,
};

const statusOf: Record<string, FileStatus> = { A: "added", D: "deleted", M: "modified", R: "renamed", C: "copied", T: "type-changed" };

type RawEntry = Omit<FileDiff, "hunks" | "collapsed" | "tooLarge" | "omitted" | "additions" | "deletions" | "binary">;

/** Parses `git diff-tree -r --raw --numstat -z` output. */
export function parseRawNumstat(out: Buffer): { entries: RawEntry[]; counts: { additions: number | null; deletions: number | null }[] } {
  const tokens: Buffer[] = [];
  let start = 0;
  while (start < out.length) {
    let end = out.indexOf(0, start);
    if (end < 0) end = out.length;
    tokens.push(out.subarray(start, end));
    start = end + 1;
  }
  const entries: RawEntry[] = [];
  const counts: { additions: number | null; deletions: number | null }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i].toString("latin1");
    if (t.startsWith(":")) {
      const [oldMode, newMode, , , status] = t.slice(1).split(" ");
      const letter = status[0];
      const pair = letter === "R" || letter === "C";
      const a = decodeName(tokens[++i] ?? Buffer.alloc(0));
      const b = pair ? decodeName(tokens[++i] ?? Buffer.alloc(0)) : a;
      const kind = statusOf[letter] ?? "modified";
      entries.push({
        oldPath: kind === "added" ? null : a.text,
        newPath: kind === "deleted" ? null : b.text,
        linkable: kind === "deleted" ? a.valid : b.valid,
        status: kind,
        similarity: pair ? Number(status.slice(1)) : null,
        oldMode,
        newMode,
      });
    } else if (t.includes("\t")) {
      const [add, del, path] = t.split("\t");
      if (path === "") i += 2; // renames: "a\td\t" NUL old NUL new
      counts.push({ additions: add === "-" ? null : Number(add), deletions: del === "-" ? null : Number(del) });
    }
  }
  return { entries, counts };
}

const hunkHeader = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** Incremental unified-diff parser: feed lines, get one block per `diff --git`. */
export class PatchParser {
  blocks: { hunks: Hunk[]; binary: boolean; lines: number; bytes: number; tooLarge: boolean }[] = [];
  totalLines = 0;
  private hunk: Hunk | null = null;
  private oldNo = 0;
  private newNo = 0;

  constructor(private limits = diffLimits) {}

  /** Returns false once the whole diff is over its limit (stop feeding). */
  line(text: string): boolean {
    if (text.startsWith("diff --git ")) {
      this.blocks.push({ hunks: [], binary: false, lines: 0, bytes: 0, tooLarge: false });
      this.hunk = null;
      return this.totalLines < this.limits.maxTotalLines;
    }
    const block = this.blocks.at(-1);
    if (!block) return true;
    if (!this.hunk) {
      if (text.startsWith("Binary files ") || text === "GIT binary patch") block.binary = true;
    }
    const m = text.startsWith("@@") ? text.match(hunkHeader) : null;
    if (m) {
      this.oldNo = Number(m[1]);
      this.newNo = Number(m[2]);
      this.hunk = { header: text, oldStart: this.oldNo, newStart: this.newNo, lines: [] };
      if (!block.tooLarge) block.hunks.push(this.hunk);
      return true;
    }
    if (!this.hunk) return true; // extended header lines (index, mode, rename, ---/+++)
    block.lines++;
    block.bytes += text.length;
    if (!block.tooLarge && (block.lines > this.limits.maxFileLines || block.bytes > this.limits.maxFileBytes)) {
      block.tooLarge = true;
      this.totalLines -= block.hunks.reduce((n, h) => n + h.lines.length, 0);
      block.hunks = [];
    }
    const c = text[0];
    let line: DiffLine;
    if (c === "+") line = { kind: "add", old: null, new: this.newNo++, text: text.slice(1) };
    else if (c === "-") line = { kind: "del", old: this.oldNo++, new: null, text: text.slice(1) };
    else if (c === "\\") line = { kind: "note", old: null, new: null, text: text.slice(1).trim() };
    else line = { kind: "context", old: this.oldNo++, new: this.newNo++, text: text.slice(1) };
    if (!block.tooLarge) {
      this.hunk.lines.push(line);
      this.totalLines++;
    }
    return true;
  }
}

/** Parses a whole unified diff held in memory (tests, small inputs). */
export function parsePatch(text: string, limits = diffLimits) {
  const p = new PatchParser(limits);
  for (const line of text.split("\n")) if (!p.line(line)) break;
  return p.blocks;
}

/** Streams `git <args>` and feeds each line to the parser until it says stop. */
function streamPatch(dir: string, args: string[], parser: PatchParser): Promise<boolean> {
  return new Promise((resolve, reject) => {
    // The spawner, not simple-git: the patch is streamed and cut off once the parser has enough.
    const child = spawnGit(args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let rest: Buffer = Buffer.alloc(0);
    let stopped = false;
    let stderr = "";
    const feed = (line: Buffer) => {
      if (stopped) return;
      if (!parser.line(line.toString("utf8"))) {
        stopped = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout!.on("data", (chunk: Buffer) => {
      if (stopped) return;
      let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let nl = buf.indexOf(10);
      while (nl >= 0 && !stopped) {
        feed(buf.subarray(0, nl));
        buf = buf.subarray(nl + 1);
        nl = buf.indexOf(10);
      }
      // A single endless line (minified file) is cut rather than held whole.
      rest = buf.length > diffLimits.maxFileBytes ? Buffer.from(buf.subarray(0, diffLimits.maxFileBytes)) : Buffer.from(buf);
    });
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      if (!stopped && rest.length) feed(rest);
      if (code !== 0 && !stopped) reject(new Error(`git diff failed: ${stderr.trim().split("\n").at(-1)}`));
      else resolve(stopped);
    });
  });
}

/**
 * The diff from `from` to `to` (commit ids; `from` null = a root commit against nothing).
 * Renames are detected; binary files are noted, not shown. `paths` limits it to those
 * files (a lazily loaded file of a large diff: give both names of a rename).
 */
export async function diffCommits(dir: string, from: string | null, to: string, limits = diffLimits, paths?: string[]): Promise<Diff> {
  const id = /^[0-9a-f]{40,64}$/;
  if ((from !== null && !id.test(from)) || !id.test(to)) throw new Error("bad object id");
  // A path outside the tree (.., absolute) is in no diff: git would complain with our data directory in the text.
  if (paths?.some((p) => !p || !isSafePath(p))) return { files: [], additions: 0, deletions: 0, truncated: false };
  const pathspec = paths?.length ? ["--", ...paths.map((p) => `:(literal)${p}`)] : [];
  const revs = [...(from ? ["--end-of-options", from, to] : ["--root", "--end-of-options", to]), ...pathspec];
  const common = ["diff-tree", "-r", "-M", "--no-commit-id", "--no-color", "--no-ext-diff", "--no-textconv"];
  const [raw, parser] = await Promise.all([
    runGitBytes([...common, "--raw", "--numstat", "-z", ...revs], { cwd: dir }),
    (async () => {
      const p = new PatchParser(limits);
      const stopped = await streamPatch(dir, [...common, "-p", ...revs], p);
      return { p, stopped };
    })(),
  ]);
  const { entries, counts } = parseRawNumstat(raw.stdout);
  const blocks = parser.p.blocks;
  let truncated = parser.stopped || entries.length > limits.maxFiles;
  const files: FileDiff[] = entries.slice(0, limits.maxFiles).map((e, i) => {
    const block = blocks[i];
    const count = counts[i] ?? { additions: null, deletions: null };
    // The block that crossed the limit may be incomplete: treat it as not read.
    const omitted = !block || (parser.stopped && i >= blocks.length - 1);
    const binary = count.additions === null || (block?.binary ?? false);
    const additions = count.additions ?? 0;
    const deletions = count.deletions ?? 0;
    return {
      ...e,
      additions,
      deletions,
      binary,
      hunks: omitted || binary ? [] : block.hunks,
      collapsed: additions + deletions > limits.collapseLines,
      tooLarge: !omitted && (block?.tooLarge ?? false),
      omitted: omitted && !binary,
    };
  });
  if (files.some((f) => f.omitted)) truncated = true;
  return {
    files,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    truncated,
  };
}

/** A commit's diff against its first parent (a root commit against the empty tree). */
export function diffOfCommit(dir: string, commit: { sha: string; parents: string[] }, limits = diffLimits) {
  return diffCommits(dir, commit.parents[0] ?? null, commit.sha, limits);
}
