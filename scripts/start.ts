/**
 * `npm start`: database (embedded by default), migrations, background workers, and the
 * portal. The primary process owns PostgreSQL and the workers; WEB_CONCURRENCY web
 * processes (node:cluster) share the port so page rendering uses every core.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import cluster from "node:cluster";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { getConfig } from "@/server/config";
import { serveBinhostNode } from "@/server/farm/serve";
import { stopBoss } from "@/server/jobs";
import { boot } from "@/server/runtime/boot";
import type { RunningDatabase } from "@/server/runtime/database";
import { startWorkers, type Workers } from "@/workers";
import { startEmbeddedRunner } from "@/server/runners/embedded";
import { startPuppetCa } from "@/server/pki/puppet-listener";
import { serveOcspNode } from "@/server/pki/http";
import { frontDoor } from "@/server/security/front-door";
import { setupToken } from "@/server/auth/setup-token";
import { setupDone } from "@/server/users";

const log = (line: string) => console.log(`[rookery] ${line}`);
const dev = process.argv.includes("--dev");
// React and Next pick their production builds from NODE_ENV; a custom server must set it.
(process.env as Record<string, string>).NODE_ENV ??= dev ? "development" : "production";
const dir = path.resolve(import.meta.dirname, "..");

/** A web process: Next.js on the shared port. Everything else was set up by the primary. */
async function serveWeb() {
  const config = getConfig();
  const { default: next } = await import("next");
  const app = next({ dev, dir, hostname: config.host, port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  // The front door's rules hold for every request. The binhost and OCSP, the machine traffic,
  // are served before Next.js (app/packages/ and app/pki/ are the same handlers for `next dev`).
  const door = { publicUrl: config.publicUrl, dev };
  const server = http.createServer((req, res) => frontDoor(req, res, door) || serveBinhostNode(req, res) || serveOcspNode(req, res) || handle(req, res));
  server.listen(config.port, config.host);
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void closeDb().finally(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // The primary went away (even by SIGKILL): never linger holding the port.
  process.on("disconnect", stop);
}

async function primary() {
  const started = Date.now();
  // Whatever has started so far is stopped by a signal at any point, the start-up included.
  let stopping = false;
  let database: RunningDatabase | null = null;
  let build: ChildProcess | null = null;
  let workers: Workers | null = null;
  // The local runner talks to the portal over HTTP: it starts once the portal listens.
  let runner: Awaited<ReturnType<typeof startEmbeddedRunner>> | null = null;
  let puppetCa: Awaited<ReturnType<typeof startPuppetCa>> | null = null;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    build?.kill("SIGTERM");
    const exits = Object.values(cluster.workers ?? {}).map(
      (w) => new Promise<void>((resolve) => (w!.isDead() ? resolve() : (w!.once("exit", () => resolve()), w!.process.kill("SIGTERM")))),
    );
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 10_000))]);
    await runner?.stop().catch((e) => log(`runner: ${e.message}`));
    await puppetCa?.close().catch(() => {});
    await workers?.stop().catch((e) => log(`workers: ${e.message}`));
    await stopBoss();
    await closeDb().catch(() => {});
    await database?.stop().catch((e) => log(`postgres: ${e.message}`));
    log("Stopped");
    process.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(signal));

  const booted = await boot(log);
  const config = booted.config;
  database = booted.database;

  const distDir = process.env.NEXT_DIST_DIR || ".next";
  if (!dev && !stopping && !fs.existsSync(path.join(dir, distDir, "BUILD_ID"))) {
    log("No production build yet: running `next build` (once)…");
    build = spawn(process.execPath, [path.join(dir, "node_modules/next/dist/bin/next"), "build"], { cwd: dir, stdio: "inherit" });
    const [code] = (await once(build, "exit")) as [number | null];
    build = null;
    if (code !== 0 && !stopping) throw new Error("next build failed");
  }
  if (stopping) return;

  workers = config.inProcessWorkers ? await startWorkers(log) : null;
  puppetCa = config.inProcessWorkers && config.puppetCa.port ? await startPuppetCa(config, log) : null;
  if (stopping) return;

  const processes = dev ? 1 : config.webConcurrency;
  let listening = 0;
  cluster.on("listening", () => {
    if (++listening !== processes) return;
    log(
      `Portal ready on ${config.publicUrl} (${processes} web process${processes > 1 ? "es" : ""} on ${config.host}:${config.port}) in ${Date.now() - started} ms`,
    );
    if (config.runners.embedded && !stopping)
      startEmbeddedRunner(getDb(), config, log).then(
        (r) => (runner = r),
        (e) => log(`runner: ${e instanceof Error ? e.message : e}`),
      );
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    log(`web process ${worker.process.pid} exited (${signal ?? code}); starting another`);
    cluster.fork();
  });
  for (let i = 0; i < processes; i++) cluster.fork();
  if (!(await setupDone(getDb())))
    log(`No administrator yet. Create the first one at ${config.publicUrl}/setup?token=${setupToken()} (until then nobody can sign in, LDAP users included)`);
}

(cluster.isPrimary ? primary() : serveWeb()).catch((e) => {
  console.error(`[rookery] start failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
