import { and, count, desc, eq, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import * as x509 from "./lib";
import type { DbOrTx } from "@/db/client";
import { certificateAuthorities, certificates, organizations, users } from "@/db/schema";
import { activeSubCas, caSigner, getCa, publicUrls, regenerateCrl, type Ca } from "./ca";
import { certIdFor, hashHex, OCSP_VALIDITY_MS, signOcspResponse, errorResponse, type OcspStatus, type ParsedRequest } from "./ocsp";
import { notifySerialChanged } from "./ocsp-cache";
import { checkCsr, subjectFor } from "./policy";
import { crashPoint } from "@/server/intents";
import { copyPuppetExtensions } from "./puppet-ext";
import { clampNotAfter, parseCertificate, parseCsr, PkiInputError, randomSerial, normalizeSerial, type RevocationReason } from "./x509";

export type Cert = typeof certificates.$inferSelect;

const keyUsageFlags = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
};
const ekuOids = {
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
  emailProtection: x509.ExtendedKeyUsage.emailProtection,
  codeSigning: x509.ExtendedKeyUsage.codeSigning,
};

export type NewRequest = {
  ca: Ca;
  org: { id: string; slug: string };
  user: { id: string; email: string | null };
  csrPem: string;
  validityDays: number;
  renewalOf?: string | null;
};

/** Validates a CSR against the sub-CA's policy and stores the request as pending. */
export async function createRequest(db: DbOrTx, input: NewRequest): Promise<Cert> {
  const { ca } = input;
  if (ca.level !== "sub" || ca.status !== "active" || !ca.policy) throw new PkiInputError("caId", "This CA does not issue certificates");
  const policy = ca.policy;
  if (input.validityDays > policy.maxValidityDays)
    throw new PkiInputError("validityDays", `This CA issues certificates for at most ${policy.maxValidityDays} days`);
  const csr = parseCsr(input.csrPem);
  if (!(await csr.verify()))
    throw new PkiInputError("csr", "The request's signature does not match its content: it was changed after it was made, or it is damaged. Create it again.");
  const checked = checkCsr(policy, csr, { orgSlug: input.org.slug, email: input.user.email });

  if (!input.renewalOf) {
    const [dup] = await db
      .select({ serial: certificates.serial })
      .from(certificates)
      .where(
        and(
          eq(certificates.caId, ca.id),
          eq(certificates.orgId, input.org.id),
          eq(certificates.state, "issued"),
          eq(certificates.commonName, checked.commonName),
          sql`${certificates.notAfter} > now()`,
        ),
      )
      .limit(1);
    if (dup)
      throw new PkiInputError(
        "csr",
        `There is already a valid certificate for ${checked.commonName} (serial ${dup.serial}). Renew that one instead of requesting a new one.`,
      );
  }
  const [row] = await db
    .insert(certificates)
    .values({
      caId: ca.id,
      orgId: input.org.id,
      requestedBy: input.user.id,
      state: "pending",
      csrPem: csr.toString("pem") + "\n",
      subjectDn: checked.subjectDn,
      commonName: checked.commonName,
      sans: checked.sans,
      keyDescription: checked.keyDescription,
      validityDays: input.validityDays,
      renewalOf: input.renewalOf ?? null,
    })
    .returning();
  return row;
}

/** Signs a pending request with its sub-CA (approval or auto-approval). Call in the approval's transaction: the serial exists once it commits. */
export async function issue(db: DbOrTx, cert: Cert, decidedBy: string | null): Promise<Cert> {
  if (cert.state !== "pending") throw new PkiInputError("id", `This request is already ${cert.state}`);
  const ca = await getCa(db, { id: cert.caId });
  if (!ca?.certPem || !ca.policy) throw new PkiInputError("id", "The CA of this request is not active");
  const policy = ca.policy;
  const caCert = parseCertificate(ca.certPem);
  const csr = parseCsr(cert.csrPem);
  const urls = publicUrls(ca.name);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = clampNotAfter(new Date(notBefore.getTime() + cert.validityDays * 86_400_000), caCert.notAfter);
  const serial = randomSerial();
  const signer = await caSigner(ca);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      policy.keyUsage.reduce((f, k) => f | keyUsageFlags[k], 0),
      true,
    ),
    new x509.ExtendedKeyUsageExtension(policy.extKeyUsage.map((e) => ekuOids[e])),
    await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
    new x509.CRLDistributionPointsExtension([urls.crl]),
    new x509.AuthorityInfoAccessExtension({ ocsp: [new x509.GeneralName("url", urls.ocsp)], caIssuers: [new x509.GeneralName("url", urls.caIssuers)] }),
  ];
  if (cert.sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(cert.sans.map((s) => ({ type: s.type, value: s.value }))));
  // Agent certificates carry the CSR's pp_* extension requests, as puppetserver's; every other request is ignored.
  if (policy.kind === "puppet") extensions.push(...copyPuppetExtensions(csr.extensions));
  const org = cert.orgId ? await orgSlugOf(db, cert.orgId) : "";
  const issued = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: subjectFor(policy, cert.commonName, org),
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey: csr.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.signingAlgorithm,
    extensions,
  });
  const normalized = normalizeSerial(serial);
  const now = new Date();
  const ocsp = await signOcspResponse({ cert: caCert, signer }, certIdFor(caCert, normalized), { kind: "good" }, now);
  // The certificate, its serial and its OCSP answer exist only in memory until the UPDATE
  // below commits (the crash suite kills here and after it: server/pki/crash.test.ts).
  crashPoint("pki-issue:after-sign");
  const [row] = await db
    .update(certificates)
    .set({
      state: "issued",
      serial: normalized,
      certPem: issued.toString("pem") + "\n",
      subjectDn: issued.subject,
      notBefore,
      notAfter,
      decidedBy,
      decidedAt: now,
      ocspResponse: ocsp.toString("base64"),
      ocspNextUpdate: new Date(now.getTime() + OCSP_VALIDITY_MS),
      updatedAt: now,
    })
    .where(and(eq(certificates.id, cert.id), eq(certificates.state, "pending")))
    .returning();
  if (!row) throw new PkiInputError("id", "This request was decided by someone else in the meantime");
  await notifySerialChanged(db, normalized); // a cached "unknown" for this serial must go
  crashPoint("pki-issue:before-commit");
  return row;
}

async function orgSlugOf(db: DbOrTx, orgId: string) {
  const [o] = await db.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, orgId));
  return o?.slug ?? "";
}

export async function reject(db: DbOrTx, cert: Cert, by: string, reason: string): Promise<Cert> {
  const [row] = await db
    .update(certificates)
    .set({ state: "rejected", rejectReason: reason, decidedBy: by, decidedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(certificates.id, cert.id), eq(certificates.state, "pending")))
    .returning();
  if (!row) throw new PkiInputError("id", "This request is no longer pending");
  return row;
}

/** Revokes an issued certificate, re-signs its CA's CRL and its OCSP answer. Call in a transaction. */
export async function revoke(db: DbOrTx, cert: Cert, reason: RevocationReason): Promise<Cert> {
  if (cert.state !== "issued")
    throw new PkiInputError("id", cert.state === "revoked" ? "This certificate is already revoked" : "Only issued certificates can be revoked");
  const ca = await getCa(db, { id: cert.caId });
  if (!ca?.certPem) throw new PkiInputError("id", "The CA of this certificate is not active");
  const now = new Date();
  const ocsp = await signOcspResponse(
    { cert: parseCertificate(ca.certPem), signer: await caSigner(ca) },
    certIdFor(parseCertificate(ca.certPem), cert.serial!),
    { kind: "revoked", at: now, reason },
    now,
  );
  const [row] = await db
    .update(certificates)
    .set({
      state: "revoked",
      revokedAt: now,
      revocationReason: reason,
      ocspResponse: ocsp.toString("base64"),
      ocspNextUpdate: new Date(now.getTime() + OCSP_VALIDITY_MS),
      updatedAt: now,
    })
    .where(and(eq(certificates.id, cert.id), eq(certificates.state, "issued")))
    .returning();
  if (!row) throw new PkiInputError("id", "This certificate is already revoked");
  await notifySerialChanged(db, row.serial!);
  await regenerateCrl(db, ca);
  return row;
}

export async function getCert(db: DbOrTx, id: string) {
  const [c] = await db.select().from(certificates).where(eq(certificates.id, id));
  return c ?? null;
}

export type CertFilter = { orgId: string; requestedBy?: string; state?: Cert["state"]; query?: string; page: number; pageSize: number };

export async function listCerts(db: DbOrTx, f: CertFilter) {
  const conds: SQL[] = [eq(certificates.orgId, f.orgId)];
  if (f.requestedBy) conds.push(eq(certificates.requestedBy, f.requestedBy));
  if (f.state) conds.push(eq(certificates.state, f.state));
  if (f.query) {
    const q = `%${f.query.replace(/[%_\\]/g, (c) => "\\" + c)}%`;
    conds.push(or(ilike(certificates.subjectDn, q), ilike(certificates.serial, q), sql`${certificates.sans}::text ilike ${q}`)!);
  }
  const where = and(...conds);
  const [rows, [{ total }]] = await Promise.all([
    db
      .select({ cert: certificates, requester: users.username })
      .from(certificates)
      .leftJoin(users, eq(users.id, certificates.requestedBy))
      .where(where)
      .orderBy(desc(certificates.createdAt))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db.select({ total: count() }).from(certificates).where(where),
  ]);
  return { rows, total };
}

/**
 * The OCSP answer for a request (the stored pre-signed one, or a freshly signed one) and when
 * it should be re-signed (null: an error answer, not worth keeping).
 */
export async function ocspAnswer(db: DbOrTx, req: ParsedRequest): Promise<{ der: Buffer; refreshAt: Date | null }> {
  const [row] = await db
    .select({ cert: certificates, ca: certificateAuthorities })
    .from(certificates)
    .innerJoin(certificateAuthorities, eq(certificateAuthorities.id, certificates.caId))
    .where(and(eq(certificates.serial, req.serial), or(eq(certificates.state, "issued"), eq(certificates.state, "revoked"))));
  const sha1Match = row && req.hashOid === "1.3.14.3.2.26" && row.ca.nameHash === req.issuerNameHash && row.ca.keyHash === req.issuerKeyHash;
  const echoNonce = !!req.nonce && !!row?.ca.policy?.ocspNonce;
  if (sha1Match && !echoNonce && row.cert.ocspResponse && row.cert.ocspNextUpdate && row.cert.ocspNextUpdate.getTime() - Date.now() > OCSP_VALIDITY_MS / 2)
    return { der: Buffer.from(row.cert.ocspResponse, "base64"), refreshAt: new Date(row.cert.ocspNextUpdate.getTime() - OCSP_VALIDITY_MS / 2) };
  const ca = row?.ca ?? (await caForHashes(db, req));
  if (!ca?.certPem || !ca.keyEncrypted) return { der: errorResponse("unauthorized"), refreshAt: null };
  const caCert = parseCertificate(ca.certPem);
  const matches = hashHex(req.hashOid, caCert.subjectName.toArrayBuffer()) === req.issuerNameHash && keyHashMatches(caCert, req);
  if (!matches) return { der: errorResponse("unauthorized"), refreshAt: null };
  const status: OcspStatus =
    !row ? { kind: "unknown" }
    : row.cert.state === "revoked" ? { kind: "revoked", at: row.cert.revokedAt!, reason: (row.cert.revocationReason ?? "unspecified") as RevocationReason }
    : { kind: "good" };
  const now = new Date();
  if (echoNonce) return { der: await signOcspResponse({ cert: caCert, signer: await caSigner(ca) }, req.certId, status, now, req.nonce), refreshAt: null };
  const der = await signOcspResponse({ cert: caCert, signer: await caSigner(ca) }, req.certId, status, now);
  if (row && req.hashOid === "1.3.14.3.2.26")
    await db
      .update(certificates)
      .set({ ocspResponse: der.toString("base64"), ocspNextUpdate: new Date(now.getTime() + OCSP_VALIDITY_MS) })
      .where(and(eq(certificates.id, row.cert.id), eq(certificates.state, row.cert.state)));
  return { der, refreshAt: new Date(now.getTime() + OCSP_VALIDITY_MS / 2) };
}

function keyHashMatches(caCert: x509.X509Certificate, req: ParsedRequest) {
  const id = certIdFor(caCert, "01", req.hashOid);
  return Buffer.from(id.issuerKeyHash.buffer).toString("hex") === req.issuerKeyHash;
}

/** The sub-CA a CertID names (for serials we never issued: "unknown", signed by that CA). */
async function caForHashes(db: DbOrTx, req: ParsedRequest) {
  for (const ca of await activeSubCas(db)) {
    if (
      req.hashOid === "1.3.14.3.2.26" ?
        ca.nameHash === req.issuerNameHash && ca.keyHash === req.issuerKeyHash
      : ca.certPem && keyHashMatches(parseCertificate(ca.certPem), req)
    )
      return ca;
  }
  return null;
}

export const OCSP_REFRESH_BATCH = 1000;

/** Re-signs cached OCSP answers that are past half their validity (the scheduled job); returns the batch size seen. */
export async function refreshOcspCache(db: DbOrTx): Promise<number> {
  const due = await db
    .select()
    .from(certificates)
    .where(
      and(
        or(eq(certificates.state, "issued"), eq(certificates.state, "revoked")),
        lt(certificates.ocspNextUpdate, new Date(Date.now() + OCSP_VALIDITY_MS / 2)),
      ),
    )
    .limit(OCSP_REFRESH_BATCH);
  const signers = new Map<string, { caCert: x509.X509Certificate; signer: Awaited<ReturnType<typeof caSigner>> }>();
  for (const c of due) {
    let s = signers.get(c.caId);
    if (!s) {
      const ca = await getCa(db, { id: c.caId });
      if (!ca?.certPem) continue;
      s = { caCert: parseCertificate(ca.certPem), signer: await caSigner(ca) };
      signers.set(c.caId, s);
    }
    const now = new Date();
    const status: OcspStatus =
      c.state === "revoked" ? { kind: "revoked", at: c.revokedAt!, reason: (c.revocationReason ?? "unspecified") as RevocationReason } : { kind: "good" };
    const der = await signOcspResponse({ cert: s.caCert, signer: s.signer }, certIdFor(s.caCert, c.serial!), status, now);
    await db
      .update(certificates)
      .set({ ocspResponse: der.toString("base64"), ocspNextUpdate: new Date(now.getTime() + OCSP_VALIDITY_MS) })
      .where(and(eq(certificates.id, c.id), eq(certificates.state, c.state)));
  }
  return due.length;
}
