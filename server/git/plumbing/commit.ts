import { getConfig } from "@/server/config";
import { runGit } from "./cli";

export type FileSet = Record<string, string>;
export type Identity = { name: string; email: string };

export const rookeryIdentity: Identity = { name: "Rookery", email: "rookery@localhost" };

/**
 * The message with the `Signed-off-by` trailer of `who` (as `git commit -s` writes it), added
 * to the last paragraph when that is already trailers, else after a blank line; once only.
 */
export function withSignoff(message: string, who: Identity): string {
  const trailer = `Signed-off-by: ${who.name} <${who.email}>`;
  const text = message.replace(/\s+$/, "");
  if (text.split("\n").some((l) => l.trim() === trailer)) return text;
  const last = text.split(/\n\s*\n/).at(-1) ?? "";
  const trailers = text.includes("\n") && last.split("\n").every((l) => /^[A-Za-z][A-Za-z0-9-]*: \S/.test(l));
  return `${text}${trailers ? "\n" : "\n\n"}${trailer}`;
}

function data(s: string) {
  return `data ${Buffer.byteLength(s)}\n${s}\n`;
}

/**
 * Writes one commit with `files` onto `branch` of a bare repo (one `git fast-import`),
 * optionally on top of the branch's current head, and points `alsoBranches` at it.
 * `ref` writes to that full ref instead (a scratch ref that a compare-and-swap
 * `update-ref` then publishes); `modes` keeps e.g. 100755 for files that had it.
 */
export async function commitFiles(
  repoDir: string,
  opts: {
    branch: string;
    files: FileSet;
    message: string;
    author?: Identity;
    parent?: string;
    alsoBranches?: string[];
    ref?: string;
    modes?: Record<string, "100644" | "100755">;
  },
) {
  const who = opts.author ?? rookeryIdentity;
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  const ref = opts.ref ?? `refs/heads/${opts.branch}`;
  let stream = `commit ${ref}\n`;
  stream += `author ${who.name} <${who.email}> ${when}\ncommitter ${rookeryIdentity.name} <${rookeryIdentity.email}> ${when}\n`;
  stream += data(opts.message);
  if (opts.parent) stream += `from ${opts.parent}\n`;
  for (const [file, content] of Object.entries(opts.files)) stream += `M ${opts.modes?.[file] ?? "100644"} inline ${file}\n${data(content)}`;
  stream += "\n";
  for (const b of opts.alsoBranches ?? []) stream += `reset refs/heads/${b}\nfrom ${ref}\n\n`;
  // runGit, not simple-git: stdin-fed plumbing (simple-git has no per-command stdin).
  await runGit(["fast-import", "--quiet"], { cwd: repoDir, input: stream });
  return (await runGit(["rev-parse", ref], { cwd: repoDir })).stdout.trim();
}

/** A user as a git author: display name and e-mail (or username@host), without characters git would reject. */
export function identityOf(user: { username: string; displayName: string; email: string | null }): Identity {
  const clean = (s: string) => s.replace(/[<>\n\r]/g, "").trim();
  const host = new URL(getConfig().publicUrl).hostname;
  return { name: clean(user.displayName) || user.username, email: clean(user.email ?? "") || `${user.username}@${host}` };
}
