import { spawn } from "node:child_process";
import { loadConfig } from "@/server/config";
import { postReceive, preReceive } from "@/server/git/hook-api";
import { handleGitHttp } from "@/server/git/smart-http";
import { serveFetch, type FetchServer } from "./fetch-server";
import { freePort } from "./ports";

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

/**
 * Serves git over HTTP the way the portal does (smart HTTP plus the hooks' internal API) on
 * a free port, and points PORT/HOST/PUBLIC_URL (hence clone URLs and push tickets) at it.
 */
export async function serveGitHttp(): Promise<FetchServer> {
  const port = await freePort();
  Object.assign(process.env, { PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: `http://127.0.0.1:${port}` });
  loadConfig();
  return serveFetch(async (req) => {
    const u = new URL(req.url);
    if (u.pathname === "/api/internal/git/pre-receive") return preReceive(req);
    if (u.pathname === "/api/internal/git/post-receive") return postReceive(req);
    const m = u.pathname.match(/^\/git\/([^/]+)\/([^/]+)\/(.+)$/);
    if (!m) return new Response("nope", { status: 404 });
    return handleGitHttp(req, { org: m[1], repo: m[2], rest: m[3].split("/") });
  }, port);
}
