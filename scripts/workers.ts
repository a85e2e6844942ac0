/** `npm run workers`: background jobs as their own process (production layout). */
import { closeDb } from "@/db/client";
import { boot } from "@/server/runtime/boot";
import { startWorkers } from "@/workers";
import { startPuppetCa } from "@/server/pki/puppet-listener";

const log = (line: string) => console.log(`[workers] ${line}`);

async function main() {
  const { config, database } = await boot(log);
  const workers = await startWorkers(log);
  const puppetCa = config.puppetCa.port ? await startPuppetCa(config, log) : null;
  const shutdown = async () => {
    await puppetCa?.close().catch(() => {});
    await workers.stop().catch(() => {});
    await closeDb().catch(() => {});
    await database.stop().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

main().catch((e) => {
  console.error(`[workers] failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
