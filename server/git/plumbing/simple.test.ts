import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config";
import { GitError, runGit } from "./cli";
import { gitIn } from "./simple";

let root: string;
let work: string;
let target: string;

/** The target's pre-receive hook logs when each push starts and ends in it, and takes 300 ms. */
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "rookery-simple-git-"));
  work = path.join(root, "work");
  target = path.join(root, "target.git");
  await runGit(["init", "--quiet", "-b", "main", work]);
  await runGit(["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "one"], { cwd: work });
  await runGit(["init", "--quiet", "--bare", target]);
  const hook = path.join(target, "hooks", "pre-receive");
  await fs.writeFile(
    hook,
    `#!/bin/sh\ncat >/dev/null\necho "start $(date +%s%N)" >> "$ROOKERY_TEST_LOG"\nsleep 0.3\necho "end $(date +%s%N)" >> "$ROOKERY_TEST_LOG"\n`,
  );
  await fs.chmod(hook, 0o755);
});
afterAll(async () => {
  loadConfig(process.env);
  await fs.rm(root, { recursive: true, force: true });
});

/** Pushes two branches at once through one instance; true when the pushes ran side by side. */
async function overlapped(limit: number) {
  loadConfig({ ...process.env, GIT_MAX_CONCURRENT: String(limit) });
  const log = path.join(root, `log-${limit}`);
  const git = gitIn(work, { env: { ROOKERY_TEST_LOG: log } });
  await Promise.all(["a", "b"].map((b) => git.raw(["push", "--quiet", target, `HEAD:refs/heads/${limit}-${b}`])));
  const events = (await fs.readFile(log, "utf8")).trim().split("\n");
  return events[1].startsWith("start");
}

describe("gitIn", () => {
  it("runs at most GIT_MAX_CONCURRENT git processes at once", async () => {
    expect(await overlapped(1)).toBe(false);
    expect(await overlapped(2)).toBe(true);
  });

  it("turns git's failure into our GitError with git's message", async () => {
    const error = await gitIn(work)
      .raw(["rev-parse", "--verify", "refs/heads/nope"])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).result.code).toBe(128);
    expect((error as GitError).message).toContain("fatal: Needed a single revision");
  });

  it("kills git at the deadline", async () => {
    const error = await gitIn(work, { env: { ROOKERY_TEST_LOG: path.join(root, "log-timeout") }, timeoutMs: 100 })
      .raw(["push", "--quiet", target, "HEAD:refs/heads/late"])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).timedOut).toBe(true);
  });
});
