import { randomBytes } from "node:crypto";
import { runGit } from "./plumbing/cli";
import { commitFiles, withSignoff, type Identity } from "./plumbing/commit";
import { flowBranchName } from "./flow";
import { checkPush, type Pusher } from "@/server/auth/policies/push";
import type { Protection, RefUpdate } from "./protection";
import { listBranches, readTextFile } from "./plumbing/read";
import { RepoInputError, type RepoWithOrg } from "./repos";
import { describeProblems, validateFile } from "./validate";
import { ConflictError } from "@/server/errors";

/**
 * Editing a file in the browser: the same rules as a push (checkPush with the user's
 * role), content validated first (hieradata YAML, Puppetfile), and the branch moved with
 * a compare-and-swap so a concurrent push is never overwritten.
 */

/** The branch moved (or appeared) since the editor was opened. */
export class RepoConflictError extends ConflictError {}

export type EditTarget = { kind: "current" } | { kind: "new-feature"; name: string } | { kind: "existing-feature"; branch: string; expectedSha: string };

const ZERO = "0".repeat(40);
const PLACEHOLDER = "f".repeat(40);
const MAX_BYTES = 512 * 1024;

/** A repository-relative file path: no absolute paths, `..`, `.git`, NUL or control characters. */
export function normalizeFilePath(input: string) {
  const p = input.trim();
  const segments = p.split("/");
  const bad =
    !p ||
    p.length > 1024 ||
    p.startsWith("/") ||
    p.startsWith('"') ||
    [...p].some((ch) => ch.charCodeAt(0) < 0x20 || ch === "\x7f" || ch === "\\") ||
    segments.some((s) => s === "" || s === "." || s === ".." || s.toLowerCase() === ".git");
  if (bad) throw new RepoInputError("path", "Use a relative path like hieradata/nodes/web1.yaml (no .., no leading /)");
  return p;
}

/** Splits /edit/<ref>/<path> segments: the longest existing branch name wins, as in GitLab. */
export async function splitBranchAndPath(dir: string, segments: string[]) {
  const branches = (await listBranches(dir)).map((b) => b.name);
  let best: string | null = null;
  for (const b of branches) {
    const parts = b.split("/");
    if (parts.length <= segments.length && parts.every((p, i) => segments[i] === p) && (!best || parts.length > best.split("/").length)) best = b;
  }
  if (!best) return null;
  return { branch: best, path: segments.slice(best.split("/").length).join("/") };
}

async function revParse(dir: string, rev: string) {
  const r = await runGit(["rev-parse", "--verify", "--quiet", rev], { cwd: dir, allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Mode and blob id of `file` at `commit`, or null when absent. */
async function entryAt(dir: string, commit: string, file: string) {
  const r = await runGit(["ls-tree", "-z", commit, "--", file], { cwd: dir });
  const line = r.stdout.split("\0")[0];
  if (!line) return null;
  const [meta] = line.split("\t");
  const [mode, type, sha] = meta.split(" ");
  return { mode, type, sha };
}

function mayCommit(repo: RepoWithOrg, pusher: Pusher, protections: Protection[], branch: string, oldSha: string) {
  return checkPush(repo, pusher, protections, [{ ref: `refs/heads/${branch}`, oldSha, newSha: PLACEHOLDER }]);
}

/** What the editor page needs: the file, and where the user may commit it. */
export async function loadEditor(
  dir: string,
  repo: RepoWithOrg,
  pusher: Pusher,
  protections: (Protection & { requireSignoff?: boolean })[],
  opts: { branch: string; path: string; mode: "edit" | "new" },
) {
  const head = await revParse(dir, `refs/heads/${opts.branch}^{commit}`);
  if (!head) return null;
  let content = "";
  if (opts.mode === "edit") {
    const file = normalizeFilePath(opts.path);
    const entry = await entryAt(dir, head, file);
    if (!entry) return null;
    if (entry.type !== "blob" || (entry.mode !== "100644" && entry.mode !== "100755"))
      return { kind: "unsupported" as const, reason: `${file} is not a regular file and cannot be edited in the browser` };
    const text = await readTextFile(dir, head, file, MAX_BYTES);
    if (text === null) return { kind: "unsupported" as const, reason: `${file} is binary or larger than 512 KB: clone the repository to change it` };
    content = text;
  }
  const here = mayCommit(repo, pusher, protections, opts.branch, head);
  const features = (await listBranches(dir))
    .filter((b) => b.name.startsWith("feature/") && b.name !== opts.branch)
    .filter((b) => mayCommit(repo, pusher, protections, b.name, b.sha).ok)
    .map((b) => ({ name: b.name, sha: b.sha }));
  return {
    kind: "editor" as const,
    // Ticked to begin with where some rule of the repository asks for sign-off.
    signoffSuggested: protections.some((p) => p.requireSignoff),
    branch: opts.branch,
    path: opts.path,
    headSha: head,
    content,
    canCommitHere: here.ok,
    whyNotHere: here.ok ? null : here.messages.join("; "),
    featureBranches: features,
  };
}

export type CommitEdit = {
  branch: string;
  path: string;
  content: string;
  message: string;
  expectedSha: string;
  isNew: boolean;
  target: EditTarget;
  author: Identity;
  /** add the author's Signed-off-by trailer */
  signoff?: boolean;
};

const moved = (branch: string) =>
  new RepoConflictError(`${branch} moved since you opened the editor (someone pushed): reload to edit the latest version. Nothing was committed.`);

/**
 * Validates, checks protection like a push, commits and moves the branch with a compare-and-swap.
 * `beforeRefMove` records the move durably first (the push intent), so its after-work survives a crash.
 */
export async function commitEdit(
  dir: string,
  repo: RepoWithOrg,
  pusher: Pusher,
  protections: Protection[],
  input: CommitEdit,
  beforeRefMove?: (update: RefUpdate) => Promise<void>,
) {
  const file = normalizeFilePath(input.path);
  if (!input.message.trim()) throw new RepoInputError("message", "Describe the change in a commit message");
  const message = input.signoff ? withSignoff(input.message.trim(), input.author) : input.message.trim();
  const problems = validateFile(file, input.content);
  if (problems.length) throw new RepoInputError("content", describeProblems(file, problems));
  if (Buffer.byteLength(input.content) > MAX_BYTES) throw new RepoInputError("content", "Files edited in the browser are limited to 512 KB");

  // The commit the user edited from: the branch head when the editor opened.
  const head = await revParse(dir, `refs/heads/${input.branch}^{commit}`);
  if (!head) throw new RepoInputError("target", `${input.branch} no longer exists`);
  const base = await revParse(dir, `${input.expectedSha}^{commit}`);
  if (!base || !/^[0-9a-f]{40,64}$/.test(input.expectedSha)) throw moved(input.branch);

  // Where it goes, on top of what, and the value the branch must still have (CAS).
  let target: string;
  let parent: string;
  let old: string;
  if (input.target.kind === "current") {
    target = input.branch;
    if (head !== base) throw moved(target);
    parent = base;
    old = base;
  } else if (input.target.kind === "new-feature") {
    try {
      target = flowBranchName("feature", input.target.name);
    } catch (e) {
      if (e instanceof RepoInputError) throw new RepoInputError("featureName", e.message);
      throw e;
    }
    if (await revParse(dir, `refs/heads/${target}`))
      throw new RepoInputError("featureName", `${target} already exists: pick it from the existing branches or choose another name`);
    parent = base;
    old = "";
  } else {
    target = input.target.branch;
    if (!target.startsWith("feature/")) throw new RepoInputError("target", "Pick a feature/* branch");
    const featureHead = await revParse(dir, `refs/heads/${target}^{commit}`);
    if (!featureHead) throw new RepoInputError("target", `${target} no longer exists`);
    if (featureHead !== input.target.expectedSha) throw moved(target);
    parent = featureHead;
    old = featureHead;
  }

  const allowed = mayCommit(repo, pusher, protections, target, old || ZERO);
  if (!allowed.ok) throw new RepoInputError("target", allowed.messages.join("; "));

  // The file as the user saw it must be the file the commit replaces.
  const seen = await entryAt(dir, base, file);
  const current = parent === base ? seen : await entryAt(dir, parent, file);
  if (input.isNew) {
    if (current) throw new RepoInputError("path", `${file} already exists on ${target}: edit it instead`);
    const parts = file.split("/");
    for (let i = 1; i < parts.length; i++) {
      const prefix = await entryAt(dir, parent, parts.slice(0, i).join("/"));
      if (prefix && prefix.type !== "tree") throw new RepoInputError("path", `${parts.slice(0, i).join("/")} is a file, not a directory`);
    }
  } else {
    if (!seen) throw new RepoInputError("path", `${file} does not exist on ${input.branch}`);
    if (seen.type !== "blob" || (seen.mode !== "100644" && seen.mode !== "100755"))
      throw new RepoInputError("path", `${file} is not a regular file and cannot be edited in the browser`);
    if (!current || current.sha !== seen.sha)
      throw new RepoInputError("target", `${target} has a different version of ${file}: open the file on ${target} and edit it there`);
  }

  // Keep Windows line endings if the file had them (textareas hand back \n).
  let content = input.content;
  if (seen && !input.isNew) {
    const before = (await runGit(["cat-file", "blob", seen.sha], { cwd: dir })).stdout;
    if (before.includes("\r\n") && !content.includes("\r")) content = content.replace(/\n/g, "\r\n");
  }

  const scratch = `refs/rookery/edits/${randomBytes(8).toString("hex")}`;
  try {
    const sha = await commitFiles(dir, {
      branch: target,
      ref: scratch,
      parent,
      files: { [file]: content },
      modes: seen?.mode === "100755" && !input.isNew ? { [file]: "100755" } : undefined,
      message,
      author: input.author,
    });
    await beforeRefMove?.({ ref: `refs/heads/${target}`, oldSha: old || ZERO, newSha: sha });
    const cas = await runGit(["update-ref", "-m", `rookery: web edit of ${file}`, `refs/heads/${target}`, sha, old], { cwd: dir, allowFailure: true });
    if (cas.code !== 0) {
      if (!old) throw new RepoInputError("featureName", `${target} already exists: pick it from the existing branches or choose another name`);
      throw moved(target);
    }
    return { branch: target, sha, path: file, oldSha: old || ZERO };
  } finally {
    await runGit(["update-ref", "-d", scratch], { cwd: dir, allowFailure: true });
  }
}
