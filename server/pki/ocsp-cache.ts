import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import type { ParsedRequest } from "./ocsp";

/**
 * Signed OCSP answers kept in memory, so a request costs a parse and a map lookup instead
 * of a database round trip. Issuing or revoking a certificate sends a NOTIFY with its
 * serial (on commit) and every process drops that entry; when the LISTEN connection
 * comes back after a drop, the whole cache goes, since notifications may have been lost
 * meanwhile. An entry also expires after a minute, as a last guard. Requests without a
 * nonce repeat byte for byte (RFC 5019 clients, openssl -no_nonce), so their bytes map to
 * the parsed request and a repeat skips the ASN.1 parser too.
 */
const CHANNEL = "rookery_pki_serial";
const MAX_ENTRIES = 100_000;
const MAX_AGE_MS = 60_000;

type Entry = { certId: string; der: Buffer; until: number };
const entries = new Map<string, Entry>();
const knownRequests = new Map<string, ParsedRequest>();
let listening: Promise<void> | null = null;
let ready = false;
/** Bumped by every notification: an answer read from the database before a change is not kept. */
let generation = 0;

const certIdKey = (req: ParsedRequest) => `${req.hashOid}/${req.issuerNameHash}/${req.issuerKeyHash}`;

/** Tells every process that a serial's status changed (call inside the changing transaction). */
export async function notifySerialChanged(tx: DbOrTx, serial: string) {
  // This process forgets at once; the others (and this one again, after the commit) on NOTIFY.
  generation++;
  entries.delete(serial);
  await tx.execute(sql`select pg_notify(${CHANNEL}, ${serial})`);
}

/** Starts the LISTEN connection (the first lookups also do); resolves once it is up. */
export function listenForOcspChanges(db: Db): Promise<void> {
  listening ??= db.$sql
    .listen(
      CHANNEL,
      (serial) => {
        generation++;
        entries.delete(serial);
      },
      () => {
        generation++;
        entries.clear();
        ready = true;
      },
    )
    .then(
      () => undefined,
      (e: unknown) => {
        listening = null;
        console.error("OCSP cache: LISTEN failed, answering from the database:", e instanceof Error ? e.message : e);
      },
    );
  return listening;
}

export function cachedOcspAnswer(db: Db, req: ParsedRequest): Buffer | null {
  if (!ready) {
    void listenForOcspChanges(db);
    return null;
  }
  const hit = entries.get(req.serial);
  if (!hit || hit.certId !== certIdKey(req)) return null;
  if (hit.until > Date.now()) return hit.der;
  entries.delete(req.serial);
  return null;
}

/** The cached answer for request bytes seen before, without parsing them again. */
export function cachedOcspAnswerForBytes(db: Db, der: Uint8Array): Buffer | null {
  const req = ready ? knownRequests.get(Buffer.from(der).toString("base64")) : undefined;
  return req ? cachedOcspAnswer(db, req) : null;
}

/** Pass to cacheOcspAnswer: taken before the database read. */
export const ocspCacheGeneration = () => generation;

/** Keeps an answer until `refreshAt` (when it would be re-signed) but at most a minute. */
export function cacheOcspAnswer(req: ParsedRequest, der: Buffer, refreshAt: Date, readAtGeneration: number, requestDer: Uint8Array) {
  if (!ready || readAtGeneration !== generation) return;
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  if (knownRequests.size >= MAX_ENTRIES) knownRequests.clear();
  if (!req.extensions) knownRequests.set(Buffer.from(requestDer).toString("base64"), req);
  entries.set(req.serial, { certId: certIdKey(req), der, until: Math.min(refreshAt.getTime(), Date.now() + MAX_AGE_MS) });
}
