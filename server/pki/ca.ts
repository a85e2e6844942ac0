import { and, asc, eq, inArray } from "drizzle-orm";
import { AsnConvert } from "@peculiar/asn1-schema";
import { CRLNumber, id_ce_cRLNumber, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import * as x509 from "./lib";
import type { DbOrTx } from "@/db/client";
import { certificateAuthorities, certificates, type CaPolicy } from "@/db/schema";
import { decrypt, encrypt } from "@/server/crypto";
import { getConfig } from "@/server/config";
import { createCrl } from "./crl";
import {
  crlToPem,
  createCsr,
  generateKey,
  keyMatches,
  parseCertificate,
  PkiInputError,
  sha1Hex,
  signerFromPem,
  type KeySpec,
  type RevocationReason,
  type Signer,
} from "./x509";

export type Ca = typeof certificateAuthorities.$inferSelect;

const KEY_CONTEXT = "pki-ca-key";
/** Sub-CA CRLs are valid a week and re-signed when fewer than 3 days remain. */
export const CRL_VALIDITY_MS = 7 * 86_400_000;
export const CRL_REFRESH_MS = 3 * 86_400_000;
export const caNamePattern = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** Where a CA's CRL, certificate and the OCSP responder are published under a portal URL. */
export function caUrls(portalUrl: string, caName: string) {
  const base = portalUrl.replace(/\/+$/, "");
  return { crl: `${base}/pki/${caName}/crl`, caIssuers: `${base}/pki/${caName}/ca.crt`, ocsp: `${base}/pki/ocsp` };
}

export function publicUrls(caName: string) {
  return caUrls(getConfig().publicUrl, caName);
}

export async function listCas(db: DbOrTx) {
  return db.select().from(certificateAuthorities).orderBy(asc(certificateAuthorities.createdAt));
}

export async function getCa(db: DbOrTx, idOrName: { id?: string; name?: string }) {
  const where = idOrName.id ? eq(certificateAuthorities.id, idOrName.id) : eq(certificateAuthorities.name, idOrName.name ?? "");
  const [ca] = await db.select().from(certificateAuthorities).where(where);
  return ca ?? null;
}

/** The CA's key, decrypted only to sign; never returned to callers outside server/pki. */
export async function caSigner(ca: Ca): Promise<Signer> {
  if (!ca.keyEncrypted) throw new Error(`CA ${ca.name} has no key here (it is kept offline)`);
  return signerFromPem(decrypt(ca.keyEncrypted, KEY_CONTEXT));
}

function certFields(cert: x509.X509Certificate) {
  return {
    certPem: cert.toString("pem") + "\n",
    serial: cert.serialNumber.toLowerCase(),
    subjectDn: cert.subject,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    nameHash: sha1Hex(cert.subjectName.toArrayBuffer()),
    keyHash: sha1Hex(subjectPublicKeyBits(cert)),
  };
}

/** The BIT STRING contents of subjectPublicKeyInfo (what OCSP's issuerKeyHash hashes). */
function subjectPublicKeyBits(cert: x509.X509Certificate): ArrayBuffer {
  return AsnConvert.parse(cert.publicKey.rawData, SubjectPublicKeyInfo).subjectPublicKey;
}

function isCa(cert: x509.X509Certificate) {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate) {
  return cert.issuer === issuer.subject && (await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true }));
}

/** Root certificate (certificate only): must be a self-signed CA certificate. Only one root. */
export async function importRoot(db: DbOrTx, pem: string, name = "root"): Promise<Ca> {
  const cert = parseCertificate(pem);
  if (!isCa(cert)) throw new PkiInputError("certificate", "This certificate is not a CA certificate (basicConstraints CA:TRUE is missing)");
  if (!(await signedBy(cert, cert)))
    throw new PkiInputError("certificate", "This is not a self-signed root certificate: import the root first, then the level-1 certificate");
  const [existing] = await db.select().from(certificateAuthorities).where(eq(certificateAuthorities.level, "root"));
  if (existing) throw new PkiInputError("certificate", `A root certificate (${existing.subjectDn}) is already imported`);
  await ensureNameFree(db, name);
  const [ca] = await db
    .insert(certificateAuthorities)
    .values({ name, level: "root", status: "active", ...certFields(cert) })
    .returning();
  return ca;
}

/** Level-1 certificate (certificate only): must be a CA certificate signed by the imported root. */
export async function importIntermediate(db: DbOrTx, pem: string, name: string): Promise<Ca> {
  validateCaName(name);
  const cert = parseCertificate(pem);
  if (!isCa(cert)) throw new PkiInputError("certificate", "This certificate is not a CA certificate (basicConstraints CA:TRUE is missing)");
  const [root] = await db.select().from(certificateAuthorities).where(eq(certificateAuthorities.level, "root"));
  if (!root?.certPem) throw new PkiInputError("certificate", "Import the root certificate first");
  if (!(await signedBy(cert, parseCertificate(root.certPem))))
    throw new PkiInputError("certificate", `This certificate was not signed by the imported root (${root.subjectDn}); its issuer is ${cert.issuer}`);
  await ensureNameFree(db, name);
  const [ca] = await db
    .insert(certificateAuthorities)
    .values({ name, level: "intermediate", status: "active", parentId: root.id, ...certFields(cert) })
    .returning();
  return ca;
}

function validateCaName(name: string) {
  if (!caNamePattern.test(name)) throw new PkiInputError("name", "Use 1–32 lowercase letters, digits and dashes (it becomes part of the CRL URL)");
}

async function ensureNameFree(db: DbOrTx, name: string) {
  if (await getCa(db, { name })) throw new PkiInputError("name", `A CA named ${name} already exists`);
}

/** A level-2 sub-CA: Rookery generates its key (stored encrypted) and CSR; it waits for its certificate. */
export async function createSubCa(db: DbOrTx, input: { name: string; subject: string; parentId: string; key: KeySpec; policy: CaPolicy }): Promise<Ca> {
  validateCaName(input.name);
  const parent = await getCa(db, { id: input.parentId });
  if (!parent || parent.level !== "intermediate") throw new PkiInputError("parentId", "Choose the level-1 CA that will sign this sub-CA");
  let name: x509.Name;
  try {
    name = new x509.Name(input.subject);
  } catch {
    throw new PkiInputError("subject", "Write the subject like CN=Rookery Host CA,O=Example");
  }
  if (!name.getField("CN").length) throw new PkiInputError("subject", "The subject needs a common name (CN=…)");
  await ensureNameFree(db, input.name);
  const key = generateKey(input.key);
  const csr = await createCsr({ subject: input.subject, signer: await signerFromPem(key.privateKeyPem) });
  const [ca] = await db
    .insert(certificateAuthorities)
    .values({
      name: input.name,
      level: "sub",
      status: "pending",
      parentId: parent.id,
      subjectDn: csr.subject,
      csrPem: csr.toString("pem") + "\n",
      keyEncrypted: encrypt(key.privateKeyPem, KEY_CONTEXT),
      policy: input.policy,
    })
    .returning();
  return ca;
}

/** The signed sub-CA certificate: must chain to the root through its level-1 CA and carry our key. */
export async function installSubCaCertificate(outer: DbOrTx, caId: string, pem: string): Promise<Ca> {
  // one transaction: a failure leaves nothing half-done
  return outer.transaction(async (db) => {
    const ca = await getCa(db, { id: caId });
    if (!ca || ca.level !== "sub") throw new PkiInputError("certificate", "No such sub-CA");
    if (ca.status !== "pending") throw new PkiInputError("certificate", "This sub-CA already has its certificate");
    const cert = parseCertificate(pem);
    const parent = ca.parentId ? await getCa(db, { id: ca.parentId }) : null;
    const root = parent?.parentId ? await getCa(db, { id: parent.parentId }) : null;
    if (!parent?.certPem || !root?.certPem) throw new PkiInputError("certificate", "The level-1 and root certificates must be imported first");
    const parentCert = parseCertificate(parent.certPem);
    if (!(await signedBy(cert, parentCert)))
      throw new PkiInputError(
        "certificate",
        `This certificate does not chain to the root: it was not signed by ${parent.name} (${parent.subjectDn}); its issuer is ${cert.issuer}`,
      );
    if (!(await signedBy(parentCert, parseCertificate(root.certPem))))
      throw new PkiInputError("certificate", `The level-1 CA ${parent.name} does not chain to the root`);
    if (!keyMatches(decrypt(ca.keyEncrypted!, KEY_CONTEXT), cert.publicKey.rawData))
      throw new PkiInputError("certificate", "This certificate is for a different key: sign the CSR downloaded from this sub-CA, not another one");
    if (!isCa(cert)) throw new PkiInputError("certificate", "The certificate is not a CA certificate (sign it with CA:TRUE, e.g. pki:sign-ca)");
    if (cert.notAfter.getTime() < Date.now()) throw new PkiInputError("certificate", "This certificate has already expired");
    const [updated] = await db
      .update(certificateAuthorities)
      .set({ status: "active", csrPem: null, ...certFields(cert), updatedAt: new Date() })
      .where(and(eq(certificateAuthorities.id, ca.id), eq(certificateAuthorities.status, "pending")))
      .returning();
    return regenerateCrl(db, updated);
  });
}

/** A CRL signed offline by the root or a level-1 CA (PEM or DER), published as is. */
export async function uploadCrl(db: DbOrTx, caId: string, data: string | Buffer): Promise<Ca> {
  const ca = await getCa(db, { id: caId });
  if (!ca?.certPem) throw new PkiInputError("crl", "No such CA");
  if (ca.level === "sub") throw new PkiInputError("crl", "Sub-CA CRLs are generated by Rookery");
  let crl: x509.X509Crl;
  try {
    crl = new x509.X509Crl(typeof data === "string" ? data.trim() : new Uint8Array(data));
  } catch {
    throw new PkiInputError("crl", "This is not a CRL (PEM -----BEGIN X509 CRL----- or DER)");
  }
  const cert = parseCertificate(ca.certPem);
  if (crl.issuer !== cert.subject || !(await crl.verify({ publicKey: cert.publicKey })))
    throw new PkiInputError("crl", `This CRL was not signed by ${ca.name} (${ca.subjectDn})`);
  if (crl.nextUpdate && crl.nextUpdate.getTime() < Date.now()) throw new PkiInputError("crl", "This CRL is already out of date (its nextUpdate has passed)");
  const number = crlNumberOf(crl);
  // Relying parties keep the CRL with the highest number: a lower one would never replace theirs.
  if (ca.crlPem && number !== null && number <= ca.crlNumber)
    throw new PkiInputError(
      "crl",
      `This CRL's number (${number}) is not higher than the published one's (${ca.crlNumber}): sign it again with --number ${ca.crlNumber + 1}`,
    );
  const [updated] = await db
    .update(certificateAuthorities)
    .set({
      crlPem: crlToPem(crl),
      crlNumber: number ?? ca.crlNumber,
      crlThisUpdate: crl.thisUpdate,
      crlNextUpdate: crl.nextUpdate ?? null,
      updatedAt: new Date(),
    })
    .where(eq(certificateAuthorities.id, ca.id))
    .returning();
  return updated;
}

/** The CRL's cRLNumber extension, or null when it has none (or one too large to count with). */
function crlNumberOf(crl: x509.X509Crl): number | null {
  const ext = crl.getExtension(id_ce_cRLNumber);
  if (!ext) return null;
  try {
    const n = AsnConvert.parse(ext.value, CRLNumber).value;
    // crl_number is a 32-bit column; numbers beyond it are left uncounted.
    return typeof n === "number" && Number.isInteger(n) && n >= 0 && n < 2 ** 31 ? n : null;
  } catch {
    return null;
  }
}

/** Re-signs a sub-CA's CRL from its revoked certificates (on revocation and on schedule). */
export async function regenerateCrl(db: DbOrTx, ca: Ca): Promise<Ca> {
  if (ca.level !== "sub" || ca.status !== "active" || !ca.certPem) return ca;
  const revoked = await db
    .select({ serial: certificates.serial, revokedAt: certificates.revokedAt, reason: certificates.revocationReason })
    .from(certificates)
    .where(and(eq(certificates.caId, ca.id), eq(certificates.state, "revoked")));
  const now = new Date();
  const crl = await createCrl({
    issuer: parseCertificate(ca.certPem),
    signer: await caSigner(ca),
    crlNumber: ca.crlNumber + 1,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + CRL_VALIDITY_MS),
    entries: revoked.map((r) => ({ serial: r.serial!, revokedAt: r.revokedAt!, reason: (r.reason ?? "unspecified") as RevocationReason })),
  });
  const [updated] = await db
    .update(certificateAuthorities)
    .set({ crlPem: crl.pem, crlNumber: ca.crlNumber + 1, crlThisUpdate: now, crlNextUpdate: crl.nextUpdate, updatedAt: now })
    .where(eq(certificateAuthorities.id, ca.id))
    .returning();
  return updated;
}

/** Sub-CA CRLs whose nextUpdate is near (the scheduled job). */
export async function refreshDueCrls(db: DbOrTx): Promise<number> {
  const cas = await db
    .select()
    .from(certificateAuthorities)
    .where(and(eq(certificateAuthorities.level, "sub"), eq(certificateAuthorities.status, "active")));
  let n = 0;
  for (const ca of cas) {
    if (!ca.crlNextUpdate || ca.crlNextUpdate.getTime() - Date.now() < CRL_REFRESH_MS) {
      await regenerateCrl(db, ca);
      n++;
    }
  }
  return n;
}

/** The CA's certificate followed by its issuers up to the root (PEM). */
export async function chainPem(db: DbOrTx, ca: Ca): Promise<string> {
  const out: string[] = [];
  let cur: Ca | null = ca;
  while (cur?.certPem) {
    out.push(cur.certPem.trim());
    cur = cur.parentId ? await getCa(db, { id: cur.parentId }) : null;
  }
  return out.join("\n") + "\n";
}

export async function activeSubCas(db: DbOrTx) {
  return db
    .select()
    .from(certificateAuthorities)
    .where(and(eq(certificateAuthorities.level, "sub"), inArray(certificateAuthorities.status, ["active"])))
    .orderBy(asc(certificateAuthorities.name));
}

export async function updatePolicy(db: DbOrTx, caId: string, policy: CaPolicy) {
  const [ca] = await db.update(certificateAuthorities).set({ policy, updatedAt: new Date() }).where(eq(certificateAuthorities.id, caId)).returning();
  return ca ?? null;
}

/** What pages and API responses may show of a CA (never its key). */
export function publicCa(ca: Ca) {
  return {
    id: ca.id,
    name: ca.name,
    level: ca.level,
    status: ca.status,
    parentId: ca.parentId,
    subjectDn: ca.subjectDn,
    serial: ca.serial,
    notBefore: ca.notBefore,
    notAfter: ca.notAfter,
    policy: ca.policy,
    hasCsr: !!ca.csrPem,
    crlThisUpdate: ca.crlThisUpdate,
    crlNextUpdate: ca.crlNextUpdate,
    crlNumber: ca.crlNumber,
  };
}
