/** `npm run workers`: background jobs as their own process (production layout). */
import { closeDb } from "@/db/client";
import { boot } from "@/server/runtime/boot";
import { startWorkers } from "@/workers";

const log = (line: string) => console.log(`[workers] ${line}`);

async function main() {
  const { database } = await boot(log);
  const workers = await startWorkers(log);
  const shutdown = async () => {
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
