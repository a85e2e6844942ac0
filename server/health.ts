import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import packageJson from "@/package.json";

export type Health = { status: "ok" | "degraded" | "down"; db: "ok" | "down"; workers: "ok" | "stale" | "none"; version: string };

const HEALTH_TIMEOUT_MS = 3000;

/** Database reachability plus the freshest worker heartbeat (workers write it every 30 s). */
export async function checkHealth(): Promise<Health> {
  const version = packageJson.version;
  try {
    const db = getDb();
    // A database that silently drops packets must not hang the health check (load balancers time out).
    const rows = await Promise.race([
      db.execute<{ age: number | null }>(sql`select extract(epoch from now() - max(seen_at))::float8 as age from worker_heartbeats`),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("health check timed out")), HEALTH_TIMEOUT_MS).unref()),
    ]);
    const age = rows[0]?.age;
    const workers =
      age === null || age === undefined ? "none"
      : age < 90 ? "ok"
      : "stale";
    return { status: workers === "ok" ? "ok" : "degraded", db: "ok", workers, version };
  } catch {
    return { status: "down", db: "down", workers: "none", version };
  }
}
