import { runGit, runGitBytes } from "./cli";
import { environmentOf } from "../protection";

export type Branch = { name: string; sha: string; date: Date; subject: string; environment: ReturnType<typeof environmentOf> };

const refPattern = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/;

/** Refs from URLs are checked before they reach git (no options, no ranges). */
export function isSafeRef(ref: string) {
  return refPattern.test(ref) && !ref.includes("..") && !ref.endsWith(".lock");
}

// listBranches and listTags stay on runGit, not simple-git: pages call them, and simple-git forks the web process itself (see spawner.ts).
export async function listBranches(dir: string): Promise<Branch[]> {
  const r = await runGit(
    ["for-each-ref", "--sort=-committerdate", "--format=%(refname:short)%00%(objectname)%00%(committerdate:iso-strict)%00%(contents:subject)", "refs/heads/"],
    { cwd: dir },
  );
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name, sha, date, subject] = line.split("\0");
      return { name, sha, date: new Date(date), subject, environment: environmentOf(name) };
    });
}

export async function listTags(dir: string) {
  const r = await runGit(["for-each-ref", "--sort=-creatordate", "--format=%(refname:short)%00%(objectname)%00%(creatordate:iso-strict)", "refs/tags/"], {
    cwd: dir,
  });
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name, sha, date] = line.split("\0");
      return { name, sha, date: new Date(date) };
    });
}

/** A file's text at a ref, or null when absent, binary or larger than maxBytes. */
export async function readTextFile(dir: string, ref: string, file: string, maxBytes = 512 * 1024): Promise<string | null> {
  if (!isSafeRef(ref)) return null;
  const size = await runGit(["cat-file", "-s", `${ref}:${file}`], { cwd: dir, allowFailure: true });
  if (size.code !== 0 || Number(size.stdout) > maxBytes) return null;
  const blob = await runGit(["cat-file", "blob", `${ref}:${file}`], { cwd: dir, allowFailure: true });
  if (blob.code !== 0 || blob.stdout.includes("\0")) return null;
  return blob.stdout;
}

/**
 * The text of every blob under `dirs` at `commit` (two git processes whatever the count).
 * Files above maxBytes are skipped; used for small config trees such as build profiles.
 */
export async function readTextTree(dir: string, commit: string, dirs: string[], maxBytes = 256 * 1024): Promise<{ path: string; text: string }[]> {
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new Error("readTextTree needs a commit id");
  const ls = await runGitBytes(["ls-tree", "-r", "-z", "-l", commit, "--", ...dirs], { cwd: dir });
  const entries = ls.stdout
    .toString("utf8")
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split("\t");
      const [, type, oid, size] = meta.split(/\s+/);
      return { type, oid, size: Number(size), path };
    })
    .filter((e) => e.type === "blob" && e.size <= maxBytes);
  if (!entries.length) return [];
  // runGit, not simple-git: stdin-fed plumbing (simple-git has no per-command stdin).
  const batch = await runGitBytes(["cat-file", "--batch"], { cwd: dir, input: entries.map((e) => e.oid).join("\n") + "\n" });
  const out: { path: string; text: string }[] = [];
  let pos = 0;
  for (const e of entries) {
    const nl = batch.stdout.indexOf(0x0a, pos);
    const size = Number(batch.stdout.subarray(pos, nl).toString().split(" ")[2]);
    out.push({ path: e.path, text: batch.stdout.subarray(nl + 1, nl + 1 + size).toString("utf8") });
    pos = nl + 1 + size + 1;
  }
  return out;
}
