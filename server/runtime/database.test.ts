import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import { loadConfig } from "@/server/config";
import { checkHealth } from "@/server/health";
import { queues, sendJob, stopBoss } from "@/server/jobs";
import { startWorkers } from "@/workers";
import { freePort } from "@/test/support/ports";
import { ensureDatabase, runMigrations } from "./database";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-embedded-"));
if (os.userInfo().uid === 0) fs.chmodSync(dataDir, 0o755);

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function query(url: string, text: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql.unsafe(text);
  } finally {
    await sql.end();
  }
}

describe("embedded PostgreSQL", () => {
  it("initialises under DATA_DIR/pg, migrates, stops cleanly and keeps the data for the next start", { timeout: 120_000 }, async () => {
    const port = await freePort();
    const config = loadConfig({ PATH: process.env.PATH, ROOKERY_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) });

    const first = await ensureDatabase(config);
    expect(first.url).toContain(`127.0.0.1:${port}`);
    expect(fs.existsSync(path.join(dataDir, "pg", "PG_VERSION"))).toBe(true);
    await runMigrations(first.url);
    await query(first.url, "insert into organizations (slug, name, source) values ('kept', 'kept', 'local')");

    // A second process (the CLI) reuses the running server instead of starting another.
    const again = await ensureDatabase(config);
    expect((await query(again.url, "select count(*)::int as n from organizations"))[0].n).toBe(1);
    await again.stop();
    // A server started by a Rookery from before the owner record: its parent node process owns it.
    fs.renameSync(path.join(dataDir, "pg", "rookery-owner.json"), path.join(dataDir, "owner.saved"));
    const lines: string[] = [];
    await (await ensureDatabase(config, (l) => lines.push(l))).stop();
    expect(lines).toEqual([`Using the embedded PostgreSQL already running on 127.0.0.1:${port}`]);
    fs.renameSync(path.join(dataDir, "owner.saved"), path.join(dataDir, "pg", "rookery-owner.json"));

    await first.stop();
    expect(fs.existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);

    const second = await ensureDatabase(config);
    try {
      const rows = await query(second.url, "select slug from organizations");
      expect(rows.map((r) => r.slug)).toEqual(["kept"]);
    } finally {
      await second.stop();
    }
    const secrets = JSON.parse(fs.readFileSync(path.join(dataDir, "secrets.json"), "utf8"));
    expect(secrets.authSecret.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(path.join(dataDir, "secrets.json")).mode & 0o077).toBe(0);
  });
});

describe("PostgreSQL dies under a running portal", () => {
  it("is started again by its owner; the pool reconnects (health ok) and the workers resume their queues", { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pg-restart-"));
    if (os.userInfo().uid === 0) fs.chmodSync(dir, 0o755);
    const port = await freePort();
    const env = { PATH: process.env.PATH, ROOKERY_DATA_DIR: dir, EMBEDDED_PG_PORT: String(port) };
    const database = await ensureDatabase(loadConfig(env), () => {});
    const saved = { ROOKERY_DATA_DIR: process.env.ROOKERY_DATA_DIR, EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT, DATABASE_URL: process.env.DATABASE_URL };
    Object.assign(process.env, env, { DATABASE_URL: database.url });
    await runMigrations(database.url);
    const workers = await startWorkers(() => {});
    try {
      expect((await checkHealth()).db).toBe("ok");
      const pidFile = path.join(dir, "pg", "postmaster.pid");
      const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);

      process.kill(pid, "SIGKILL");
      await until(async () => (await checkHealth()).db === "down", 5_000);
      await until(async () => (await checkHealth()).db === "ok", 20_000);
      expect(Number(fs.readFileSync(pidFile, "utf8").split("\n")[0])).not.toBe(pid);

      // A job queued after the restart is picked up by the workers started before it.
      const id = await until(() => sendJob(queues.gitProvision, {}).catch(() => null), 10_000);
      await until(async () => (await query(database.url, `select state from pgboss.job where id = '${id}'`))[0]?.state === "completed", 20_000);
    } finally {
      await workers.stop().catch(() => {});
      await stopBoss();
      await closeDb();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await database.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function until<T>(check: () => Promise<T>, timeoutMs: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
