import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freePort } from "@/test/support/ports";

/**
 * Process supervision of the portal as `npm` runs it: a signal to any process of the chain
 * stops all of it, PostgreSQL included, and the embedded PostgreSQL never outlives its owner.
 * `npm run dev` is the same chain as `npm start` (npm → node main → web process, PostgreSQL
 * and its watchdog) without needing a production build, which vitest runs before.
 */
const root = path.resolve(import.meta.dirname, "..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-start-"));
if (os.userInfo().uid === 0) fs.chmodSync(dataDir, 0o755);
const pgDir = path.join(dataDir, "pg");

type Started = { npm: ChildProcess; main: number; port: number; pgPort: number; lines: string[]; exited: Promise<void> };
const running: Started[] = [];

afterEach(async () => {
  // A failed test must not leave a portal behind for the next one.
  for (const s of running.splice(0)) {
    for (const pid of [...descendants(s.npm.pid!), s.npm.pid!]) kill(pid, "SIGKILL");
  }
  const pm = postmasterPid();
  if (pm) kill(pm, "SIGQUIT");
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function startPortal(): Promise<Started> {
  const port = await freePort();
  const pgPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ROOKERY_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    EMBEDDED_PG_PORT: String(pgPort),
    PUPPET_CA_PORT: "0",
    ROOKERY_EMBEDDED_RUNNER: "false",
    NEXT_TELEMETRY_DISABLED: "1",
    // no fetch of Gentoo's tree from the internet at start-up
    PORTAGE_TREE_UPSTREAM: "",
  };
  for (const name of ["DATABASE_URL", "NODE_ENV", "PUBLIC_URL", "NEXTAUTH_URL"]) delete env[name];
  const npm = spawn("npm", ["run", "dev"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let buffered = "";
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts.filter((l) => l.trim()));
  };
  npm.stdout!.on("data", onData);
  npm.stderr!.on("data", onData);
  const exited = new Promise<void>((resolve) => npm.once("close", () => resolve()));
  const started: Started = { npm, main: 0, port, pgPort, lines, exited };
  running.push(started);
  await until(
    () => lines.some((l) => l.includes("[rookery] Portal ready")) || npm.exitCode !== null,
    50_000,
    () => lines.join("\n"),
  );
  expect(npm.exitCode, lines.join("\n")).toBeNull();
  started.main = children(npm.pid!).find((pid) => cmdline(pid).includes("scripts/start.ts"))!;
  expect(started.main).toBeGreaterThan(0);
  return started;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, explain: () => string = () => "") {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stat(pid: number): { ppid: number; state: string } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

function cmdline(pid: number) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

const alive = (pid: number) => {
  const s = stat(pid);
  return s !== null && s.state !== "Z";
};

function children(pid: number): number[] {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => stat(p)?.ppid === pid);
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const child of children(pid)) out.push(child, ...descendants(child));
  return out;
}

function kill(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function postmasterPid(): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(pgDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return alive(pid) ? pid : null;
  } catch {
    return null;
  }
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

/** Every process of the portal exited, its ports are free and its last line is `[rookery] Stopped`. */
async function expectAllGone(s: Started, tree: number[]) {
  await until(
    () => tree.every((pid) => !alive(pid)),
    30_000,
    () => `still running: ${tree.filter(alive).map((p) => `${p} ${cmdline(p)}`)}`,
  );
  await s.exited;
  expect(await accepts(s.port)).toBe(false);
  expect(await accepts(s.pgPort)).toBe(false);
  expect(s.lines.at(-1), s.lines.join("\n")).toBe("[rookery] Stopped");
  running.splice(running.indexOf(s), 1);
}

describe("npm start process supervision", () => {
  it.each([
    ["npm", "SIGTERM"],
    ["npm", "SIGINT"],
    ["node", "SIGTERM"],
    ["node", "SIGINT"],
  ] as const)("%s gets %s: the portal, its web process and PostgreSQL all stop", { timeout: 60_000 }, async (target, signal) => {
    const s = await startPortal();
    const tree = [s.npm.pid!, ...descendants(s.npm.pid!)];
    const pm = postmasterPid();
    expect(pm).not.toBeNull();
    expect(tree).toContain(pm);
    // the main node process, a web process, PostgreSQL and its watchdog at least
    expect(tree.length).toBeGreaterThanOrEqual(5);
    kill(target === "npm" ? s.npm.pid! : s.main, signal);
    await expectAllGone(s, tree);
  });

  it("kill -9 of the main process: PostgreSQL and the web process stop within seconds", { timeout: 60_000 }, async () => {
    const first = await startPortal();
    const pm = postmasterPid()!;
    const tree = [first.npm.pid!, ...descendants(first.npm.pid!)];
    kill(first.main, "SIGKILL");
    await until(
      () => !alive(pm),
      10_000,
      () => `postgres ${pm} still running`,
    );
    // the web process, PostgreSQL's own processes and the watchdog follow
    await until(
      () => tree.every((pid) => !alive(pid)),
      10_000,
      () => `still running: ${tree.filter(alive).map((p) => `${p} ${cmdline(p)}`)}`,
    );
    expect(await accepts(first.pgPort)).toBe(false);
    running.splice(0);
  });

  it("a PostgreSQL whose owner is gone (watchdog killed too) is stopped properly and replaced by the next start", { timeout: 90_000 }, async () => {
    const second = await startPortal();
    const stale = postmasterPid()!;
    const watchdog = children(second.main).find((pid) => cmdline(pid).includes("pg_ctl"))!;
    expect(watchdog).toBeGreaterThan(0);
    kill(watchdog, "SIGKILL");
    kill(second.main, "SIGKILL");
    await until(() => !alive(second.main) && !alive(watchdog), 10_000);
    running.splice(0);
    await new Promise((r) => setTimeout(r, 2000));
    expect(alive(stale)).toBe(true);

    const third = await startPortal();
    expect(third.lines.join("\n")).toContain(`Stopping the embedded PostgreSQL (pid ${stale}) left running by a Rookery process that is gone`);
    expect(alive(stale)).toBe(false);
    const fresh = postmasterPid();
    expect(fresh).not.toBeNull();
    expect(fresh).not.toBe(stale);
    const thirdTree = [third.npm.pid!, ...descendants(third.npm.pid!)];
    kill(third.npm.pid!, "SIGTERM");
    await expectAllGone(third, thirdTree);
  });
});
