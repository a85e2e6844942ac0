import { closeDb, getDb } from "@/db/client";
import { loadConfig } from "@/server/config";
import { publishBuild, type PublishInput } from "@/server/farm/binhost";
import { stopBoss } from "@/server/jobs";

/**
 * A process that publishes one build to the binhost, for the crash suite: `tsx
 * test/support/binhost-child.ts '<PublishInput as JSON>'`, with the test's DATABASE_URL,
 * ROOKERY_DATA_DIR and ROOKERY_CRASH_AT.
 */
const input = JSON.parse(process.argv[2]) as PublishInput;
loadConfig();
const r = await publishBuild(getDb(), input);
console.log(JSON.stringify(r));
// publishing queued a GLSA scan through the sending pg-boss client
await stopBoss();
await closeDb();
