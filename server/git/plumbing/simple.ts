import { GitPluginError, simpleGit, type SimpleGit } from "simple-git";
import { getConfig } from "@/server/config";
import { baseEnv, GitError } from "./cli";

/**
 * simple-git for repository and working-copy operations off the web request path (fetch,
 * bundle, clone, commit, push in the workers and the CLI). It forks this process for each
 * git; streamed git, stdin-fed plumbing and page-time git stay on spawnGit/runGit (cli.ts).
 *
 * Each instance runs at most GIT_MAX_CONCURRENT git processes at once and queues the rest.
 * Failures reject with our GitError (git's exit code and last lines of stderr);
 * `timeoutMs` kills git when it has not finished by then and rejects with `timedOut` set.
 */
export type SimpleGitOptions = {
  /** added to the environment runGit uses (GIT_TERMINAL_PROMPT=0, no system config, LANG=C) */
  env?: Record<string, string>;
  /** config keys outside simple-git's known-safe list that commands may set (else it warns) */
  allowConfig?: string[];
  timeoutMs?: number;
};

export function gitIn(dir: string, opts: SimpleGitOptions = {}): SimpleGit {
  const env = { ...baseEnv(), ...opts.env };
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: getConfig().git.maxConcurrent,
    allowConfig: opts.allowConfig ?? [],
    // The environment is ours, not user input: let every variable in it through.
    allowEnvironment: Object.keys(env),
    // A deadline, not an idle timeout: output does not extend it.
    timeout: opts.timeoutMs ? { block: opts.timeoutMs, stdOut: false, stdErr: false } : undefined,
    errors(error, result) {
      const stderr = Buffer.concat(result.stdErr).toString("utf8");
      if (error instanceof GitPluginError && error.plugin === "timeout")
        return new GitError([], { code: result.exitCode, stdout: "", stderr: stderr || `timed out after ${opts.timeoutMs} ms` }, { timedOut: true });
      if (error instanceof GitPluginError) return error;
      if (result.exitCode === 0) return undefined;
      return new GitError([], { code: result.exitCode, stdout: Buffer.concat(result.stdOut).toString("utf8"), stderr });
    },
  }).env(env);
}
