import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export type ChildEnd = { code: number | null; signal: NodeJS.Signals | null; output: string };

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Starts a test/support script in one node process (tsx as a loader, so a kill lands on it)
 * with ROOKERY_CRASH_AT set, for the crash suites. `firstLine` resolves with the first line
 * it prints (a server's URL), `exited` with how it ended. With `group` the child leads a
 * process group and its crash point kills the group (its git children too).
 */
export function startCrashChild(script: string, args: string[], crashAt: string, opts: { group?: boolean } = {}) {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: root,
    detached: !!opts.group,
    env: { ...process.env, ROOKERY_CRASH_AT: crashAt, ...(opts.group ? { ROOKERY_CRASH_GROUP: "1" } : {}) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  const exited = new Promise<ChildEnd>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, output })));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      stdout += d;
      if (stdout.includes("\n")) resolve(stdout.slice(0, stdout.indexOf("\n")));
    });
    void exited.then((e) => reject(new Error(`the child ended before it was ready: ${e.output}`)));
  });
  firstLine.catch(() => {}); // awaited by server children only; others just exit
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { child, firstLine, exited };
}

/** Runs a test/support script to its end (or its kill at `crashAt`). */
export function runCrashChild(script: string, args: string[], crashAt: string): Promise<ChildEnd> {
  return startCrashChild(script, args, crashAt).exited;
}
