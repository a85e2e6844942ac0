import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config";
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
