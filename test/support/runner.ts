import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");

/** `npm run runner -- register …` as a real process (async: the portal may live in this process). */
export function registerRunnerCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(tsx, ["scripts/runner.ts", "register", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d) => (stdout += d));
    proc.stderr.on("data", (d) => (stderr += d));
    proc.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

export type RunnerProcess = { proc: ChildProcess; output: () => string; stop: () => Promise<void>; kill9: () => void };

/** `npm run runner -- run --config FILE` as a real process (its own process group, so kill -9 takes it all). */
export function startRunnerProcess(configFile: string): RunnerProcess {
  let out = "";
  const proc = spawn(tsx, ["scripts/runner.ts", "run", "--config", configFile], { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return {
    proc,
    output: () => out,
    kill9() {
      if (alive()) process.kill(-proc.pid!, "SIGKILL");
    },
    async stop() {
      if (!alive()) return;
      process.kill(-proc.pid!, "SIGTERM");
      const t = setTimeout(() => alive() && process.kill(-proc.pid!, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A tiny root filesystem: Debian's busybox-static with one symlink per applet (relative, so it works chrooted). */
export function busyboxRootfs(dir: string) {
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.copyFileSync("/bin/busybox", path.join(bin, "busybox"));
  fs.chmodSync(path.join(bin, "busybox"), 0o755);
  const list = spawnSync(path.join(bin, "busybox"), ["--list"], { encoding: "utf8" });
  for (const applet of list.stdout.split("\n").filter(Boolean)) if (applet !== "busybox") fs.symlinkSync("busybox", path.join(bin, applet));
  for (const d of ["etc", "tmp", "proc", "dev", "workspace"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, "etc/os-release"), "NAME=busybox-test\n");
  return dir;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
