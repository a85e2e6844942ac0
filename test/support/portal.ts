import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { freePort } from "./ports";

const root = path.resolve(import.meta.dirname, "../..");

export type Portal = {
  url: string;
  port: number;
  proc: ChildProcess;
  /** ms from spawn until the port accepted connections (the portal listens once it is ready) */
  readyMs: number;
  stop: () => Promise<void>;
};

export type PortalOptions = {
  /** what to run; default `node --import tsx scripts/start.ts` (what `npm start` runs) */
  command?: [string, ...string[]];
  /** append the portal's output to this file instead of inheriting the terminal */
  logFile?: string;
  timeoutMs?: number;
};

/**
 * Starts the production portal (`scripts/start.ts`, existing build under NEXT_DIST_DIR) on a
 * free 127.0.0.1 port and resolves once it accepts connections; fails early if it exits.
 */
export async function startPortal(env: Record<string, string | undefined>, opts: PortalOptions = {}): Promise<Portal> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [cmd, ...args] = opts.command ?? [process.execPath, "--import", "tsx", "scripts/start.ts"];
  const out = opts.logFile ? fs.openSync(opts.logFile, "a") : "inherit";
  const started = performance.now();
  const proc = spawn(cmd, args, {
    cwd: root,
    stdio: ["ignore", out, out],
    // PORTAGE_TREE_UPSTREAM off unless a test sets it: test portals never fetch Gentoo's tree from the internet
    env: { ...process.env, PORTAGE_TREE_UPSTREAM: "", ...env, PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: url, NEXTAUTH_URL: url },
  });
  if (typeof out === "number") fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));

  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000));
    if ((await Promise.race([exited, timeout])) === "timeout") {
      proc.kill("SIGKILL");
      await exited;
    }
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  while (!(await accepts(port))) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`the portal exited (${proc.exitCode ?? proc.signalCode}) before listening${opts.logFile ? `; see ${opts.logFile}` : ""}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the portal did not listen on ${url} within ${opts.timeoutMs ?? 120_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url, port, proc, readyMs: performance.now() - started, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.end();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}
