import path from "node:path";
import { getDb } from "@/db/client";
import { ensureFarmDefaults } from "@/server/farm/catalog";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ConfigError, loadConfig, type Config } from "@/server/config";
import { ensureDatabase, runMigrations, type RunningDatabase } from "./database";
import { ensureSecrets } from "./secrets";

export type Booted = { config: Config; database: RunningDatabase };

/**
 * Shared by `npm start`, `npm run workers` and the CLI: validate configuration
 * (one-line error naming the variable), fill generated secrets, bring up the database
 * (embedded unless DATABASE_URL), and migrate.
 */
export async function boot(log: (line: string) => void): Promise<Booted> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  process.env.ROOKERY_APP_DIR ??= path.resolve(import.meta.dirname, "../..");
  const secrets = ensureSecrets(config.dataDir);
  process.env.AUTH_SECRET ??= secrets.authSecret;
  process.env.NEXTAUTH_SECRET ??= process.env.AUTH_SECRET;
  process.env.NEXTAUTH_URL ??= config.publicUrl;
  process.env.ROOKERY_ENCRYPTION_KEY ??= secrets.encryptionKey;
  const database = await ensureDatabase(config, log);
  process.env.DATABASE_URL = database.url;
  await runMigrations(database.url);
  await ensureInfrastructureOrg(getDb());
  await ensureFarmDefaults(getDb());
  return { config, database };
}
