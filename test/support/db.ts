import { afterAll, beforeAll, inject } from "vitest";
import { closeDb, getDb, type Db } from "@/db/client";
import { loadConfig } from "@/server/config";
import { createDatabase, dropDatabase } from "./postgres";
import { ldapEnv } from "./slapd";

/**
 * Gives the calling test file its own freshly migrated database (cloned from the run's
 * template) and points the config at the test slapd. Returns a getter for the Db.
 */
export function testDatabase(extraEnv: Record<string, string> = {}): () => Db {
  let name = "";
  beforeAll(async () => {
    const adminUrl = inject("adminUrl");
    const created = await createDatabase(adminUrl, "rookery_t", inject("template"));
    name = created.name;
    await closeDb();
    Object.assign(process.env, { DATABASE_URL: created.url, ...ldapEnv(inject("ldapUrl")), ...extraEnv });
    loadConfig();
  });
  afterAll(async () => {
    await closeDb();
    if (name) await dropDatabase(inject("adminUrl"), name);
  });
  return () => getDb();
}
