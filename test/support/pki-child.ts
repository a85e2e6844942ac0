import { closeDb, getDb } from "@/db/client";
import { loadConfig } from "@/server/config";
import { crashPoint } from "@/server/intents";
import { stopBoss } from "@/server/jobs";
import { getCert, issue } from "@/server/pki/certs";
import { noticeDecided } from "@/server/pki/notices";

/**
 * A process that approves one certificate request as the pki router's `approve` does (one
 * transaction: issue, notice), for the crash suite: `tsx test/support/pki-child.ts <certId>
 * <userId>`, with the test's DATABASE_URL, ROOKERY_ENCRYPTION_KEY and ROOKERY_CRASH_AT.
 */
const [certId, userId] = process.argv.slice(2);
loadConfig();
const db = getDb();
const cert = await getCert(db, certId);
if (!cert) throw new Error("no such request");
const issued = await db.transaction(async (tx) => {
  const row = await issue(tx, cert, userId);
  await noticeDecided(tx, row);
  return row;
});
// the router answers the approver after this; a kill here loses only that answer
crashPoint("pki-issue:after-commit");
console.log(JSON.stringify({ serial: issued.serial }));
await stopBoss();
await closeDb();
