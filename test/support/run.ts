import { spawn } from "node:child_process";

/**
 * Runs the real openssl in `cwd` without blocking the event loop (tests often ask a server
 * running in their own process); stdout and stderr together, since "verify OK" goes to stderr.
 */
export function openssl(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", (code) => resolve({ code, out }));
  });
}
