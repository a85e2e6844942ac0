import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { closeDb } from "@/db/client";
import { workerHeartbeats } from "@/db/schema";
import { GET } from "@/app/api/health/route";
import packageJson from "@/package.json";
import { testDatabase } from "@/test/support/db";
import { freePort } from "@/test/support/ports";
import { checkHealth } from "./health";

const db = testDatabase();

describe("health", () => {
  it("reports the database up and no workers before any heartbeat", async () => {
    expect(await checkHealth()).toEqual({ status: "degraded", db: "ok", workers: "none", version: packageJson.version });
  });

  it("is ok while a worker heartbeat is fresh", async () => {
    await db().insert(workerHeartbeats).values({ id: "test:fresh", host: "test" });
    expect(await checkHealth()).toMatchObject({ status: "ok", db: "ok", workers: "ok" });

    const res = await GET();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ok", db: "ok", workers: "ok", version: packageJson.version });
  });

  it("calls workers stale when the freshest heartbeat is older than 90 s", async () => {
    // eslint-disable-next-line drizzle/enforce-update-with-where -- every heartbeat row is meant: the whole table goes stale
    await db()
      .update(workerHeartbeats)
      .set({ seenAt: sql`now() - interval '5 minutes'` });
    expect(await checkHealth()).toMatchObject({ status: "degraded", db: "ok", workers: "stale" });
    expect((await GET()).status).toBe(200);
  });

  it("is down with a 503 when the database is unreachable", async () => {
    const url = process.env.DATABASE_URL!;
    const closed = new URL(url);
    closed.port = String(await freePort());
    await closeDb();
    process.env.DATABASE_URL = closed.toString();
    try {
      expect(await checkHealth()).toEqual({ status: "down", db: "down", workers: "none", version: packageJson.version });
      const res = await GET();
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: "down", db: "down" });
    } finally {
      await closeDb();
      process.env.DATABASE_URL = url;
    }
  });
});
