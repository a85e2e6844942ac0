import fs from "node:fs";
import path from "node:path";
import * as x509 from "./lib";
import type { DbOrTx } from "@/db/client";
import { createSubCa, getCa, importIntermediate, importRoot, installSubCaCertificate, listCas, publicUrls, uploadCrl, type Ca } from "./ca";
import { defaultPolicy, type CaKind } from "./policy";
import {
  createCsr,
  generateKey,
  issueCaCertificate,
  keyMatches,
  parseCertificate,
  parseCsr,
  revocationReasons,
  selfSignedRoot,
  signerFromPem,
  type IssuerUrls,
  type KeySpec,
  type RevocationReason,
} from "./x509";
import { createCrl } from "./crl";

/**
 * The key ceremony's tools (pki:root-init, pki:ca-csr, pki:sign-ca, pki:crl): files in,
 * files out, no database — they run on the offline machine. Private keys are written 0600.
 */
function writeKey(file: string, pem: string) {
  fs.writeFileSync(file, pem, { mode: 0o600, flag: "wx" });
}

function ensureDir(dir: string) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export async function rootInit(outDir: string, subject: string, days: number, key: KeySpec = { type: "rsa", bits: 4096 }) {
  ensureDir(outDir);
  const keyFile = path.join(outDir, "root.key");
  const certFile = path.join(outDir, "root.pem");
  if (fs.existsSync(keyFile) || fs.existsSync(certFile)) throw new Error(`${outDir} already holds a root (root.key / root.pem); refusing to overwrite it`);
  const k = generateKey(key);
  const cert = await selfSignedRoot({ subject, signer: await signerFromPem(k.privateKeyPem), days });
  writeKey(keyFile, k.privateKeyPem);
  fs.writeFileSync(certFile, cert.toString("pem") + "\n");
  return { keyFile, certFile, cert };
}

/** A CA key and CSR (e.g. the level-1 on the offline machine). */
export async function caCsr(outDir: string, name: string, subject: string, key: KeySpec = { type: "rsa", bits: 4096 }) {
  ensureDir(outDir);
  const keyFile = path.join(outDir, `${name}.key`);
  const csrFile = path.join(outDir, `${name}.csr`);
  if (fs.existsSync(keyFile)) throw new Error(`${keyFile} already exists; refusing to overwrite it`);
  const k = generateKey(key);
  const csr = await createCsr({ subject, signer: await signerFromPem(k.privateKeyPem) });
  writeKey(keyFile, k.privateKeyPem);
  fs.writeFileSync(csrFile, csr.toString("pem") + "\n");
  return { keyFile, csrFile };
}

/**
 * Signs a subordinate CA's CSR with a CA key (root → level-1: path length 1; level-1 → level-2: 0).
 * `issuerUrls` (see caUrls) puts the signing CA's CRL and certificate URLs into the result.
 */
export async function signCa(opts: { caCertPem: string; caKeyPem: string; csrPem: string; days: number; pathLength?: number; issuerUrls?: IssuerUrls }) {
  const issuer = parseCertificate(opts.caCertPem, "ca-cert");
  const signer = await signerFromPem(opts.caKeyPem);
  const bc = issuer.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) throw new Error("The signing certificate is not a CA certificate");
  if (bc.pathLength === 0) throw new Error("The signing CA may not sign further CAs (its path length is 0)");
  const pathLength = opts.pathLength ?? (bc.pathLength === undefined ? 1 : bc.pathLength - 1);
  const cert = await issueCaCertificate({ csr: parseCsr(opts.csrPem), issuer, signer, days: opts.days, pathLength, issuerUrls: opts.issuerUrls });
  return cert.toString("pem") + "\n";
}

/** The name the portal gives the CA whose certificate this is, as the ceremony imports it: `root` for a self-signed one, else `level1`. */
export function defaultCaName(caCertPem: string) {
  const cert = parseCertificate(caCertPem, "ca-cert");
  return cert.subject === cert.issuer ? "root" : "level1";
}

/** An offline CA's CRL (root or level-1), to upload into Rookery. */
export async function offlineCrl(opts: {
  caCertPem: string;
  caKeyPem: string;
  days: number;
  crlNumber: number;
  revoked?: { serial: string; reason: RevocationReason; revokedAt?: Date }[];
}) {
  const now = new Date();
  const crl = await createCrl({
    issuer: parseCertificate(opts.caCertPem, "ca-cert"),
    signer: await signerFromPem(opts.caKeyPem),
    crlNumber: opts.crlNumber,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + opts.days * 86_400_000),
    entries: (opts.revoked ?? []).map((r) => ({ ...r, revokedAt: r.revokedAt ?? now })),
  });
  return crl.pem;
}

export const defaultSubCas: CaKind[] = ["puppet", "user", "client", "host"];

/**
 * A whole hierarchy for a demo or test instance: root and level-1 keys written to `outDir`
 * (as the ceremony would), their certificates and CRLs imported, and the default sub-CAs
 * created and signed. Idempotent: an instance that has a root is left alone.
 */
export async function devBootstrap(outer: DbOrTx, opts: { outDir: string; base: string; orgName: string }): Promise<{ created: boolean; cas: Ca[] }> {
  // one transaction: a half-made hierarchy never stays behind
  return outer.transaction(async (db) => {
    if ((await listCas(db)).some((c) => c.level === "root")) return { created: false, cas: await listCas(db) };
    ensureDir(opts.outDir);
    const rootKey = generateKey({ type: "rsa", bits: 3072 });
    const rootSigner = await signerFromPem(rootKey.privateKeyPem);
    const rootCert = await selfSignedRoot({ subject: `CN=${opts.orgName} Root CA,O=${opts.orgName}`, signer: rootSigner, days: 7300 });
    const l1Key = generateKey({ type: "rsa", bits: 3072 });
    const l1Csr = await createCsr({ subject: `CN=${opts.orgName} Level-1 CA,O=${opts.orgName}`, signer: await signerFromPem(l1Key.privateKeyPem) });
    const l1Pem = await signCa({
      caCertPem: rootCert.toString("pem"),
      caKeyPem: rootKey.privateKeyPem,
      csrPem: l1Csr.toString("pem"),
      days: 3650,
      pathLength: 1,
      issuerUrls: publicUrls("root"),
    });
    for (const [f, pem] of [
      ["root.key", rootKey.privateKeyPem],
      ["level1.key", l1Key.privateKeyPem],
    ] as const) {
      const file = path.join(opts.outDir, f);
      fs.rmSync(file, { force: true });
      writeKey(file, pem);
    }
    fs.writeFileSync(path.join(opts.outDir, "root.pem"), rootCert.toString("pem") + "\n");
    fs.writeFileSync(path.join(opts.outDir, "level1.pem"), l1Pem);

    const root = await importRoot(db, rootCert.toString("pem"));
    const l1 = await importIntermediate(db, l1Pem, "level1");
    await uploadCrl(db, root.id, await offlineCrl({ caCertPem: rootCert.toString("pem"), caKeyPem: rootKey.privateKeyPem, days: 365, crlNumber: 1 }));
    await uploadCrl(db, l1.id, await offlineCrl({ caCertPem: l1Pem, caKeyPem: l1Key.privateKeyPem, days: DEV_CRL_DAYS, crlNumber: 1 }));
    for (const kind of defaultSubCas) {
      const title = kind[0].toUpperCase() + kind.slice(1);
      const sub = await createSubCa(db, {
        name: kind,
        subject: `CN=${opts.orgName} ${title} CA,O=${opts.orgName}`,
        parentId: l1.id,
        key: { type: "rsa", bits: 3072 },
        policy: defaultPolicy(kind, opts.base),
      });
      const signed = await signCa({
        caCertPem: l1Pem,
        caKeyPem: l1Key.privateKeyPem,
        csrPem: sub.csrPem!,
        days: 1825,
        pathLength: 0,
        issuerUrls: publicUrls("level1"),
      });
      await installSubCaCertificate(db, sub.id, signed);
    }
    return { created: true, cas: await listCas(db) };
  });
}

/** A demo instance's level-1 CRL runs this long; the workers re-sign it (renewDevOfflineCrls). */
const DEV_CRL_DAYS = 30;
const DEV_CRL_RENEW_MS = 10 * 86_400_000;

const reasonNames = Object.fromEntries(Object.entries(revocationReasons).map(([name, code]) => [code, name])) as Record<number, RevocationReason>;

/**
 * A demo instance (pki:dev-bootstrap) keeps its root and level-1 keys in
 * DATA_DIR/pki-offline: re-sign those CAs' CRLs before they run out, keeping their entries
 * and counting their numbers up. A real ceremony keeps the keys offline, so nothing is found
 * and nothing is signed; the stale-CRL warning tells its operators instead.
 */
export async function renewDevOfflineCrls(db: DbOrTx, keyDir: string, now = new Date()): Promise<string[]> {
  const renewed: string[] = [];
  for (const ca of await listCas(db)) {
    if (ca.level === "sub" || ca.status !== "active" || !ca.certPem) continue;
    if (ca.crlNextUpdate && ca.crlNextUpdate.getTime() - now.getTime() > DEV_CRL_RENEW_MS) continue;
    const keyFile = path.join(keyDir, `${ca.name}.key`);
    if (!fs.existsSync(keyFile)) continue;
    const keyPem = fs.readFileSync(keyFile, "utf8");
    if (!keyMatches(keyPem, parseCertificate(ca.certPem).publicKey.rawData)) continue;
    const current = ca.crlPem ? new x509.X509Crl(ca.crlPem) : null;
    const revoked = (current?.entries ?? []).map((e) => ({
      serial: e.serialNumber,
      revokedAt: e.revocationDate,
      reason: reasonNames[e.reason ?? 0] ?? "unspecified",
    }));
    const pem = await offlineCrl({ caCertPem: ca.certPem, caKeyPem: keyPem, days: DEV_CRL_DAYS, crlNumber: ca.crlNumber + 1, revoked });
    await uploadCrl(db, ca.id, pem);
    renewed.push(ca.name);
  }
  return renewed;
}

export { getCa };
