import { spawn } from "node:child_process";

export type GitResult = { status: number | null; stdout: string; stderr: string };
type Person = { name: string; email: string };

/**
 * A git CLI runner for tests that talk to our own HTTP handlers. Async on purpose: the
 * server under test shares this process's event loop, so a sync spawn would deadlock.
 * Returns `git(args, cwd = defaultCwd)`; commits are made as `author` / `committer`.
 */
export function gitRunner(defaultCwd: string, author: Person, committer: Person = author) {
  return function git(args: string[], cwd = defaultCwd): Promise<GitResult> {
    return new Promise((resolve) => {
      const child = spawn("git", args, {
        cwd,
        timeout: 20_000,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: "0",
          GIT_AUTHOR_NAME: author.name,
          GIT_AUTHOR_EMAIL: author.email,
          GIT_COMMITTER_NAME: committer.name,
          GIT_COMMITTER_EMAIL: committer.email,
        },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c) => (stdout += c));
      child.stderr.on("data", (c) => (stderr += c));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  };
}
