import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export type Db = ReturnType<typeof createDb>;
/** A transaction handle: same query API as Db. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

function createDb(url: string) {
  const sql = postgres(url, { max: 10, onnotice: () => {}, connection: { application_name: "rookery" } });
  return Object.assign(drizzle(sql, { schema }), { $sql: sql });
}

const globalForDb = globalThis as unknown as { rookeryDb?: Db };

/** The process-wide pool; DATABASE_URL is set by the start script before first use. */
export function getDb(): Db {
  if (!globalForDb.rookeryDb) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set (the start script sets it for the embedded database)");
    globalForDb.rookeryDb = createDb(url);
  }
  return globalForDb.rookeryDb;
}

export async function closeDb() {
  const db = globalForDb.rookeryDb;
  globalForDb.rookeryDb = undefined;
  await db?.$sql.end({ timeout: 5 });
}
