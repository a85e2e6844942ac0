import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, sign, webcrypto } from "node:crypto";
import * as x509 from "./lib";
import { InputError } from "@/server/errors";

/**
 * Low-level X.509 for the PKI: keys (Node crypto), certificates, CSRs and CRLs
 * (@peculiar/x509 on Node's WebCrypto; node-forge cannot handle ECDSA keys or build
 * CRLs). No database here; callers keep private keys as PKCS#8 PEM and encrypt them.
 */
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export class PkiInputError extends InputError {}

export type KeySpec = { type: "rsa"; bits: number } | { type: "ec"; curve: "P-256" | "P-384" };

export function generateKey(spec: KeySpec): { privateKeyPem: string; publicKeyPem: string } {
  const pair =
    spec.type === "rsa" ?
      generateKeyPairSync("rsa", { modulusLength: spec.bits })
    : generateKeyPairSync("ec", { namedCurve: spec.curve === "P-256" ? "prime256v1" : "secp384r1" });
  return {
    privateKeyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

type SigningAlgorithm = { name: "RSASSA-PKCS1-v1_5"; hash: "SHA-256" } | { name: "ECDSA"; namedCurve: string; hash: "SHA-256" | "SHA-384" };

function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === "rsa") return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1") return { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    if (curve === "secp384r1") return { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" };
  }
  throw new PkiInputError("key", "Only RSA and ECDSA P-256/P-384 keys are supported");
}

export type Signer = { privateKey: CryptoKey; publicKey: CryptoKey; algorithm: SigningAlgorithm; signingAlgorithm: Algorithm | EcdsaParams };

/** A PKCS#8 PEM private key as WebCrypto keys ready to sign certificates, CRLs and OCSP responses. */
export async function signerFromPem(privateKeyPem: string): Promise<Signer> {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw new PkiInputError("key", "This is not a readable private key (PEM, unencrypted PKCS#8 or PKCS#1/SEC1)");
  }
  const algorithm = algorithmOf(key);
  const importAlg = algorithm.name === "ECDSA" ? { name: "ECDSA", namedCurve: algorithm.namedCurve } : algorithm;
  const pkcs8 = key.export({ type: "pkcs8", format: "der" });
  const spki = createPublicKey(key).export({ type: "spki", format: "der" });
  const privateKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, importAlg, true, ["sign"]);
  const publicKey = await webcrypto.subtle.importKey("spki", spki, importAlg, true, ["verify"]);
  const signingAlgorithm = algorithm.name === "ECDSA" ? { name: "ECDSA", hash: algorithm.hash } : { name: algorithm.name, hash: algorithm.hash };
  return { privateKey: privateKey as CryptoKey, publicKey: publicKey as CryptoKey, algorithm, signingAlgorithm };
}

/**
 * The signer's signature over DER bytes, as X.509 structures carry it (PKCS#1 v1.5 for RSA,
 * a DER-encoded ECDSA signature), where we assemble the signed structure ourselves.
 */
export function signWithKey(signer: Signer, data: Buffer): Buffer {
  const hash = signer.algorithm.hash === "SHA-384" ? "sha384" : "sha256";
  return sign(hash, data, { key: KeyObject.from(signer.privateKey as unknown as webcrypto.CryptoKey), dsaEncoding: "der" });
}

/** 128 random bits as a positive DER INTEGER, hex (a leading 00 byte when the top bit is set). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  let hex = bytes.toString("hex").replace(/^(00)+/, "");
  if (hex.length === 0) hex = "01";
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = "00" + hex;
  return hex;
}

/** Serials as stored and looked up: lowercase hex without leading zero bytes. */
export function normalizeSerial(hex: string): string {
  const h = hex.toLowerCase().replace(/[^0-9a-f]/g, "");
  const stripped = h.replace(/^(00)+/, "");
  return stripped === "" ? "00" : stripped;
}

export function parseCertificate(pem: string, field = "certificate"): x509.X509Certificate {
  const text = pem.trim();
  if (!/-----BEGIN CERTIFICATE-----/.test(text))
    throw new PkiInputError(field, "This is not a PEM certificate (it should start with -----BEGIN CERTIFICATE-----)");
  try {
    return new x509.X509Certificate(text.slice(text.indexOf("-----BEGIN CERTIFICATE-----"), text.indexOf("-----END CERTIFICATE-----") + 25));
  } catch {
    throw new PkiInputError(field, "The certificate could not be read: the PEM is damaged or incomplete");
  }
}

/** Every certificate in a PEM bundle, in order. */
export function parseCertificates(pem: string, field = "certificate"): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new PkiInputError(field, "No PEM certificate found (it should start with -----BEGIN CERTIFICATE-----)");
  return blocks.map((b) => parseCertificate(b, field));
}

export function parseCsr(pem: string, field = "csr"): x509.Pkcs10CertificateRequest {
  const text = pem.trim();
  const m = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]*?-----END (NEW )?CERTIFICATE REQUEST-----/.exec(text);
  if (!m) throw new PkiInputError(field, "This is not a certificate signing request: paste the text that starts with -----BEGIN CERTIFICATE REQUEST-----");
  try {
    return new x509.Pkcs10CertificateRequest(m[0].replace(/NEW CERTIFICATE REQUEST/g, "CERTIFICATE REQUEST"));
  } catch {
    throw new PkiInputError(field, "The request could not be read: the PEM is damaged or incomplete");
  }
}

/** PEM with 64-character lines (native base64: the library's encoder needs 400 ms for a 5 MB CRL). */
export function toPem(der: Buffer, label: string): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export type PublicKeyInfo = { type: "rsa"; bits: number } | { type: "ec"; curve: string } | { type: "other"; name: string };

export function publicKeyInfo(spkiDer: ArrayBuffer): PublicKeyInfo {
  const key = createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" });
  if (key.asymmetricKeyType === "rsa") return { type: "rsa", bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
  if (key.asymmetricKeyType === "ec") {
    const c = key.asymmetricKeyDetails?.namedCurve;
    return {
      type: "ec",
      curve:
        c === "prime256v1" ? "P-256"
        : c === "secp384r1" ? "P-384"
        : c === "secp521r1" ? "P-521"
        : String(c),
    };
  }
  return { type: "other", name: String(key.asymmetricKeyType) };
}

export function describeKey(k: PublicKeyInfo): string {
  return (
    k.type === "rsa" ? `RSA ${k.bits}`
    : k.type === "ec" ? `ECDSA ${k.curve}`
    : k.name
  );
}

/** Whether a certificate (or CSR) carries the public key of this private key. */
export function keyMatches(privateKeyPem: string, spkiDer: ArrayBuffer): boolean {
  const ours = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: "spki", format: "der" });
  return Buffer.from(spkiDer).equals(ours);
}

export function sha1Hex(data: ArrayBuffer | Buffer): string {
  return createHash("sha1")
    .update(Buffer.from(data as ArrayBuffer))
    .digest("hex");
}

export type CaProfile = { pathLength?: number };

/** Where relying parties fetch the issuing CA's CRL and certificate (CRL Distribution Point, AIA caIssuers). */
export type IssuerUrls = { crl: string; caIssuers: string };

/**
 * A CA certificate for a CSR (offline root → level-1, level-1 → level-2). With `issuerUrls`
 * it names where the issuer's CRL and certificate are published, so `openssl verify
 * -crl_check_all -crl_download` and other relying parties can check every level.
 */
export async function issueCaCertificate(opts: {
  csr: x509.Pkcs10CertificateRequest;
  issuer: x509.X509Certificate;
  signer: Signer;
  days: number;
  pathLength?: number;
  issuerUrls?: IssuerUrls;
}): Promise<x509.X509Certificate> {
  if (!(await opts.csr.verify())) throw new PkiInputError("csr", "The request's signature is not valid: it was altered or not made with its key");
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = clampNotAfter(new Date(notBefore.getTime() + opts.days * 86_400_000), opts.issuer.notAfter);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: opts.csr.subjectName,
    issuer: opts.issuer.subjectName,
    notBefore,
    notAfter,
    publicKey: opts.csr.publicKey,
    signingKey: opts.signer.privateKey,
    signingAlgorithm: opts.signer.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, opts.pathLength, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(opts.csr.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(opts.issuer),
      ...(opts.issuerUrls ?
        [
          new x509.CRLDistributionPointsExtension([opts.issuerUrls.crl]),
          new x509.AuthorityInfoAccessExtension({ caIssuers: [new x509.GeneralName("url", opts.issuerUrls.caIssuers)] }),
        ]
      : []),
    ],
  });
}

export function clampNotAfter(wanted: Date, issuerNotAfter: Date): Date {
  return wanted.getTime() > issuerNotAfter.getTime() ? issuerNotAfter : wanted;
}

export async function selfSignedRoot(opts: { subject: string; signer: Signer; days: number }): Promise<x509.X509Certificate> {
  const notBefore = new Date(Date.now() - 60_000);
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: opts.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + opts.days * 86_400_000),
    keys: { privateKey: opts.signer.privateKey, publicKey: opts.signer.publicKey },
    signingAlgorithm: opts.signer.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(opts.signer.publicKey),
    ],
  });
}

export async function createCsr(opts: { subject: string; signer: Signer }): Promise<x509.Pkcs10CertificateRequest> {
  return x509.Pkcs10CertificateRequestGenerator.create({
    name: opts.subject,
    keys: { privateKey: opts.signer.privateKey, publicKey: opts.signer.publicKey },
    signingAlgorithm: opts.signer.signingAlgorithm,
  });
}

/** RFC 5280 reason codes (CRLReason), as offered in the UI. */
export const revocationReasons = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
} as const;
export type RevocationReason = keyof typeof revocationReasons;

/** Back from the normalized form to a DER-valid positive INTEGER. */
export function serialForDer(normalized: string): string {
  const h = normalized.length % 2 ? "0" + normalized : normalized;
  return parseInt(h.slice(0, 2), 16) >= 0x80 ? "00" + h : h;
}

/** PEM as openssl writes CRLs (-----BEGIN X509 CRL-----). */
export function crlToPem(crl: x509.X509Crl): string {
  return toPem(Buffer.from(crl.rawData), "X509 CRL");
}
