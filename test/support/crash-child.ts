import { spawn } from "node:child_process";
import path from "node:path";

export type ChildEnd = { code: number | null; signal: NodeJS.Signals | null; output: string };

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Runs a test/support script in one node process (tsx as a loader, so a kill lands on it)
 * with ROOKERY_CRASH_AT set, for the crash suites; resolves with how it ended.
 */
export function runCrashChild(script: string, args: string[], crashAt: string): Promise<ChildEnd> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: root,
    env: { ...process.env, ROOKERY_CRASH_AT: crashAt },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, output })));
}
