import { spawn } from "node:child_process";

export type RunResult = { code: number | null; out: string };

/**
 * Runs a real command without blocking the event loop (tests often ask a server running in
 * their own process); stdout and stderr together, in the order they came.
 */
export function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (code) => resolve({ code, out }));
  });
}

/** openssl in `cwd` ("verify OK" goes to stderr, so it is in `out`). */
export const openssl = (args: string[], cwd: string) => run("openssl", args, { cwd });
