import { GitError as SimpleGitError } from "simple-git";
import { spawnProcess, type Stdio, type Subprocess } from "./spawner";

/** The one place that spawns git. Output is buffered: use spawnGit for anything large. */
export type GitResult = { code: number; stdout: string; stderr: string };

export const baseEnv = () => ({
  ...process.env,
  GIT_TERMINAL_PROMPT: "0",
  GIT_CONFIG_NOSYSTEM: "1",
  LANG: "C",
});

export function spawnGit(args: string[], opts: { cwd?: string; env?: Record<string, string>; stdio?: Stdio | [Stdio, Stdio, Stdio] } = {}): Subprocess {
  return spawnProcess("git", args, { cwd: opts.cwd, stdio: opts.stdio, env: { ...baseEnv(), ...(opts.env ?? {}) } });
}

/** A failed git command. It extends simple-git's error so simple-git (plumbing/simple.ts) passes it on unchanged. */
export class GitError extends SimpleGitError {
  readonly timedOut: boolean;
  constructor(
    readonly args: string[],
    readonly result: GitResult,
    opts: { timedOut?: boolean } = {},
  ) {
    super(undefined, `git${args[0] ? ` ${args[0]}` : ""} failed (${result.code}): ${result.stderr.trim().split("\n").slice(-3).join(" ")}`);
    this.timedOut = opts.timedOut ?? false;
  }
}

export function runGit(
  args: string[],
  opts: { cwd?: string; input?: string | Buffer; env?: Record<string, string>; allowFailure?: boolean } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (c: Buffer) => out.push(c));
    child.stderr!.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const result = { code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
      if (result.code !== 0 && !opts.allowFailure) reject(new GitError(args, result));
      else resolve(result);
    });
    child.stdin!.on("error", () => {});
    child.stdin!.end(opts.input ?? "");
  });
}

/** Like runGit, but stdout stays bytes (for -z output with file names that are not UTF-8) and is capped at maxBytes. */
export function runGitBytes(
  args: string[],
  opts: { cwd?: string; input?: string | Buffer; allowFailure?: boolean; maxBytes?: number } = {},
): Promise<{ code: number; stdout: Buffer; stderr: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(args, { cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let truncated = false;
    child.stdout!.on("data", (c: Buffer) => {
      if (truncated) return;
      if (opts.maxBytes !== undefined && size + c.length > opts.maxBytes) {
        out.push(c.subarray(0, opts.maxBytes - size));
        truncated = true;
        child.kill("SIGTERM");
        return;
      }
      size += c.length;
      out.push(c);
    });
    child.stderr!.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const result = { code: truncated ? 0 : (code ?? 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8"), truncated };
      if (result.code !== 0 && !opts.allowFailure) reject(new GitError(args, { ...result, stdout: "" }));
      else resolve(result);
    });
    child.stdin!.on("error", () => {});
    child.stdin!.end(opts.input ?? "");
  });
}
