import type { Db } from "@/db/client";
import type { Ca } from "./ca";
import { createRequest, issue, reject, revoke, type Cert, type NewRequest } from "./certs";
import { noticeDecided, noticeRequestPending } from "./notices";
import { signAgent } from "./puppet";
import { PkiInputError, type RevocationReason } from "./x509";

/**
 * The certificate workflow as services: each owns its transaction and the notices it sends;
 * callers authorize first (server/auth/policies/certificate.ts) and keep their audit entry.
 */

/**
 * A request to a sub-CA: stored as pending and its approvers told, or issued at once when the
 * CA approves automatically. A renewal must be of a valid certificate of the same CA and keep its subject.
 */
export async function requestCertificate(db: Db, input: Omit<NewRequest, "renewalOf"> & { renewalOf: Cert | null }): Promise<Cert> {
  const { ca, renewalOf } = input;
  if (renewalOf && (renewalOf.state !== "issued" || renewalOf.caId !== ca.id))
    throw new PkiInputError("csr", "Only a valid certificate of the same CA can be renewed");
  return db.transaction(async (tx) => {
    const pending = await createRequest(tx, { ...input, renewalOf: renewalOf?.id });
    if (renewalOf && pending.commonName !== renewalOf.commonName)
      throw new PkiInputError("csr", `A renewal keeps the subject: the common name must be ${renewalOf.commonName}, not ${pending.commonName}`);
    if (ca.policy!.approval === "auto") return issue(tx, pending, null);
    await noticeRequestPending(tx, pending, ca.policy!);
    return pending;
  });
}

/**
 * Approves a pending request and tells the requester. Agent certificates are signed as in the
 * Puppet agents view: `agentDomains` limits a leader to the org's domains (null: any certname).
 */
export async function approveRequest(db: Db, input: { cert: Cert; ca: Ca; decidedBy: string; agentDomains: string[] | null }): Promise<Cert> {
  return db.transaction(async (tx) => {
    const issued =
      input.ca.policy?.kind === "puppet" ? await signAgent(tx, input.cert, input.decidedBy, input.agentDomains) : await issue(tx, input.cert, input.decidedBy);
    await noticeDecided(tx, issued);
    return issued;
  });
}

/** Rejects a pending request with the reason the requester is told. */
export async function rejectRequest(db: Db, input: { cert: Cert; decidedBy: string; reason: string }): Promise<Cert> {
  return db.transaction(async (tx) => {
    const rejected = await reject(tx, input.cert, input.decidedBy, input.reason);
    await noticeDecided(tx, rejected);
    return rejected;
  });
}

export async function revokeCertificate(db: Db, cert: Cert, reason: RevocationReason): Promise<Cert> {
  return db.transaction((tx) => revoke(tx, cert, reason));
}
