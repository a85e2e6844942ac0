/** `npm start`: database (embedded by default), migrations, workers, and the portal. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { closeDb } from "@/db/client";
import { stopBoss } from "@/server/jobs";
import { boot } from "@/server/runtime/boot";
import { startWorkers, type Workers } from "@/workers";

const log = (line: string) => console.log(`[rookery] ${line}`);
const dev = process.argv.includes("--dev");
// React and Next pick their production builds from NODE_ENV; a custom server must set it.
(process.env as Record<string, string>).NODE_ENV ??= dev ? "development" : "production";
const dir = path.resolve(import.meta.dirname, "..");

async function main() {
  const started = Date.now();
  const { config, database } = await boot(log);

  const distDir = process.env.NEXT_DIST_DIR || ".next";
  if (!dev && !fs.existsSync(path.join(dir, distDir, "BUILD_ID"))) {
    log("No production build yet: running `next build` (once)…");
    const r = spawnSync(process.execPath, [path.join(dir, "node_modules/next/dist/bin/next"), "build"], { cwd: dir, stdio: "inherit" });
    if (r.status !== 0) throw new Error("next build failed");
  }

  const workers: Workers | null = config.inProcessWorkers ? await startWorkers(log) : null;

  const { default: next } = await import("next");
  const app = next({ dev, dir, hostname: config.host, port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  log(`Portal ready on ${config.publicUrl} (listening on ${config.host}:${config.port}) in ${Date.now() - started} ms`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    server.close();
    server.closeAllConnections();
    await workers?.stop().catch((e) => log(`workers: ${e.message}`));
    await stopBoss();
    await closeDb().catch(() => {});
    await database.stop().catch((e) => log(`postgres: ${e.message}`));
    log("Stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((e) => {
  console.error(`[rookery] start failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
