import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runGit } from "./cli";
import type { Identity } from "./commit";

/**
 * Server-side merges on bare repositories: trees from `git merge-tree --write-tree`,
 * commits from `git commit-tree`, refs moved with a compare-and-swap `update-ref`, so a
 * branch that moved in between is never clobbered (the caller recomputes instead).
 */

const oid = /^[0-9a-f]{40,64}$/;

export type MergeTree = { clean: true; tree: string } | { clean: false; conflicts: string[] };

/** The merged tree of two commits, or the files that conflict. */
export async function mergeTree(dir: string, ours: string, theirs: string): Promise<MergeTree> {
  if (!oid.test(ours) || !oid.test(theirs)) throw new Error("bad object id");
  const r = await runGit(["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs], { cwd: dir, allowFailure: true });
  const parts = r.stdout.split("\0").filter(Boolean);
  if (r.code === 0) return { clean: true, tree: parts[0] };
  if (r.code === 1) return { clean: false, conflicts: [...new Set(parts.slice(1))].sort() };
  throw new Error(`git merge-tree failed: ${r.stderr.trim().split("\n").at(-1)}`);
}

export async function isAncestor(dir: string, ancestor: string, of: string) {
  const r = await runGit(["merge-base", "--is-ancestor", ancestor, of], { cwd: dir, allowFailure: true });
  if (r.code > 1) throw new Error(`git merge-base failed: ${r.stderr.trim()}`);
  return r.code === 0;
}

/** Commits in `a` not in `b`. */
export async function countOnlyIn(dir: string, a: string, b: string, opts: { merges?: boolean } = {}) {
  const r = await runGit(["rev-list", "--count", ...(opts.merges === false ? ["--no-merges"] : []), `${b}..${a}`, "--"], { cwd: dir });
  return Number(r.stdout.trim());
}

export async function commitTree(dir: string, tree: string, parents: string[], message: string, author: Identity, committer: Identity = author) {
  const args = ["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-F", "-"];
  // runGit, not simple-git: stdin-fed plumbing (simple-git has no per-command stdin).
  const r = await runGit(args, {
    cwd: dir,
    input: message,
    env: {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
    },
  });
  return r.stdout.trim();
}

/** Moves `ref` from `expected` to `next`; false when the ref is no longer at `expected`. */
export async function casUpdateRef(dir: string, ref: string, next: string, expected: string, reason: string) {
  const r = await runGit(["update-ref", "-m", reason, ref, next, expected], { cwd: dir, allowFailure: true });
  return r.code === 0;
}

/** Deletes `ref` only while it still points at `expected`. */
export async function casDeleteRef(dir: string, ref: string, expected: string) {
  const r = await runGit(["update-ref", "-d", ref, expected], { cwd: dir, allowFailure: true });
  return r.code === 0;
}

export async function branchHead(dir: string, branch: string): Promise<string | null> {
  const r = await runGit(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], { cwd: dir, allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Every branch's head, by name (one git call). */
export async function branchHeads(dir: string): Promise<Map<string, string>> {
  const r = await runGit(["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/"], { cwd: dir });
  const heads = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const sp = line.indexOf(" ");
    if (sp > 0) heads.set(line.slice(sp + 1).slice("refs/heads/".length), line.slice(0, sp));
  }
  return heads;
}

export async function commitExists(dir: string, sha: string) {
  if (!oid.test(sha)) return false;
  const r = await runGit(["cat-file", "-t", sha], { cwd: dir, allowFailure: true });
  return r.code === 0 && r.stdout.trim() === "commit";
}

export type CommitInfo = { sha: string; authorName: string; authorEmail: string; subject: string; body: string };

/** Commits of `head` not in `base`, oldest first, with their messages (for sign-off and squash). */
export async function commitsWithMessages(dir: string, base: string, head: string, limit = 1000): Promise<CommitInfo[]> {
  const RS = "\x1e";
  const US = "\x1f";
  const r = await runGit(["log", "--reverse", `--max-count=${limit}`, `--format=${RS}%H${US}%an${US}%ae${US}%s${US}%B`, `${base}..${head}`, "--"], {
    cwd: dir,
  });
  return r.stdout
    .split(RS)
    .filter((s) => s.trim())
    .map((rec) => {
      const [sha, authorName, authorEmail, subject, body] = rec.split(US);
      return { sha, authorName, authorEmail, subject, body: (body ?? "").trim() };
    });
}

export type CherryPick = { clean: true; head: string } | { clean: false; commit: string; conflicts: string[] };

/**
 * `commits` (oldest first) cherry-picked onto `base` with `-x`, in a throw-away worktree of
 * the bare repository: the new commits land in its object store, no ref of it moves (the
 * caller names the result). Authors are kept; `committer` commits them. A conflict stops at
 * that commit and names its files.
 */
export async function cherryPickOnto(dir: string, base: string, commits: string[], committer: Identity): Promise<CherryPick> {
  if (![base, ...commits].every((c) => oid.test(c))) throw new Error("bad object id");
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "rookery-pick-"));
  const work = path.join(tmp, "tree");
  const env = { GIT_COMMITTER_NAME: committer.name, GIT_COMMITTER_EMAIL: committer.email };
  try {
    // Sparse: only the files the commits touch are written (a portage tree has ~200,000).
    await runGit(["worktree", "add", "--quiet", "--detach", "--no-checkout", work, base], { cwd: dir });
    const touched = new Set<string>();
    for (const commit of commits) {
      const r = await runGit(["diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", commit], { cwd: dir });
      for (const file of r.stdout.split("\0").filter(Boolean)) touched.add(file);
    }
    // The patterns go to the worktree's own info/ and the switch on the command line: `git
    // sparse-checkout` would rewrite the bare repository's config (extensions.worktreeConfig).
    const gitDir = (await runGit(["rev-parse", "--absolute-git-dir"], { cwd: work })).stdout.trim();
    await fs.mkdir(path.join(gitDir, "info"), { recursive: true });
    await fs.writeFile(path.join(gitDir, "info/sparse-checkout"), [...touched].map((f) => "/" + f.replace(/[\\*?[\]!#]/g, (c) => `\\${c}`) + "\n").join(""));
    const sparse = ["-c", "core.sparseCheckout=true", "-c", "core.sparseCheckoutCone=false"];
    await runGit([...sparse, "reset", "--quiet", "--hard", base], { cwd: work });
    for (const commit of commits) {
      const r = await runGit([...sparse, "cherry-pick", "-x", "--allow-empty", "--keep-redundant-commits", commit], { cwd: work, env, allowFailure: true });
      if (r.code === 0) continue;
      const unmerged = await runGit([...sparse, "diff", "--name-only", "--diff-filter=U", "-z"], { cwd: work });
      const conflicts = [...new Set(unmerged.stdout.split("\0").filter(Boolean))].sort();
      if (!conflicts.length) throw new Error(`git cherry-pick ${commit} failed: ${r.stderr.trim().split("\n").at(-1)}`);
      return { clean: false, commit, conflicts };
    }
    return { clean: true, head: (await runGit(["rev-parse", "HEAD"], { cwd: work })).stdout.trim() };
  } finally {
    await runGit(["worktree", "remove", "--force", work], { cwd: dir, allowFailure: true });
    await fs.rm(tmp, { recursive: true, force: true });
    await runGit(["worktree", "prune"], { cwd: dir, allowFailure: true });
  }
}

/** Creates `refs/heads/<branch>` at `sha`; false when the branch already exists. */
export async function createBranch(dir: string, branch: string, sha: string, reason: string) {
  const r = await runGit(["update-ref", "-m", reason, `refs/heads/${branch}`, sha, ""], { cwd: dir, allowFailure: true });
  return r.code === 0;
}

/** `commits` (all in `base..tip`) in the order history made them, oldest first. */
export async function historyOrder(dir: string, base: string, tip: string, commits: string[]) {
  if (![base, tip].every((c) => oid.test(c))) throw new Error("bad object id");
  const r = await runGit(["rev-list", "--reverse", "--topo-order", `${base}..${tip}`, "--"], { cwd: dir });
  const position = new Map(r.stdout.split("\n").map((sha, i) => [sha, i]));
  return [...commits].sort((a, b) => (position.get(a) ?? Infinity) - (position.get(b) ?? Infinity));
}
