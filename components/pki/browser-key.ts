// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata
// polyfill loaded first (as server/pki/lib.ts does on the server).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import forge from "node-forge";
import type { KeyChoice, SanInput } from "./key-types";

/**
 * Browser-side key handling for self-service, the same for RSA and ECDSA: WebCrypto makes the
 * key pair, @peculiar/x509 the CSR, node-forge's ASN.1 and PBE building blocks the PKCS#12.
 * The private key never leaves the browser. Runs unchanged in Node (globalThis.crypto) for tests.
 * The request form loads it only when it makes a key (forge and x509 are large).
 */
export type BrowserKey = { keys: CryptoKeyPair; signingAlgorithm: EcdsaParams | Algorithm; pkcs8: Uint8Array };

export async function generateKey(choice: KeyChoice): Promise<BrowserKey> {
  const [params, signingAlgorithm] =
    choice.type === "ec" ?
      [
        { name: "ECDSA", namedCurve: choice.curve },
        { name: "ECDSA", hash: choice.curve === "P-256" ? "SHA-256" : "SHA-384" },
      ]
    : [{ name: "RSASSA-PKCS1-v1_5", modulusLength: choice.bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }];
  const keys = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { keys, signingAlgorithm, pkcs8 };
}

/** A PKCS#10 request: the CN as one UTF8String RDN (never parsed as a DN), the names as a requested SAN extension. */
export async function createCsrPem(key: BrowserKey, commonName: string, sans: SanInput[]): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: new x509.Name([{ CN: [{ utf8String: commonName }] }]),
    keys: key.keys,
    signingAlgorithm: key.signingAlgorithm,
    extensions: sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  return csr.toString("pem");
}

// PKCS#12 parameters: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key, HMAC-SHA256 MAC —
// what OpenSSL 3 writes by default, so it opens without -legacy.
const ITERATIONS = 10_000;
const pbes2 = { algorithm: "aes256", prfAlgorithm: "sha256", count: ITERATIONS, saltSize: 16 } as const;
const { asn1 } = forge;
const seq = (...items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const set = (...items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, items);
const oid = (name: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids[name]).getBytes());
const octets = (bytes: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
const explicit0 = (item: forge.asn1.Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [item]);
const der = (item: forge.asn1.Asn1) => asn1.toDer(item).getBytes();
/** A PKCS#7 ContentInfo of type data. */
const dataInfo = (content: forge.asn1.Asn1) => seq(oid("data"), explicit0(octets(der(content))));

function keyInfo(key: Pick<BrowserKey, "pkcs8">) {
  return asn1.fromDer(forge.util.binary.raw.encode(key.pkcs8));
}

function encryptKey(key: Pick<BrowserKey, "pkcs8">, passphrase: string) {
  // PBKDF2 takes the passphrase as bytes: UTF-8, as OpenSSL reads it.
  return forge.pki.encryptPrivateKeyInfo(keyInfo(key), forge.util.encodeUtf8(passphrase), pbes2);
}

/**
 * PKCS#12 with the key (pkcs8ShroudedKeyBag), the certificate and the CA chain (certBags of any
 * key type, copied as DER), protected by the passphrase. Returns the DER bytes.
 */
export function pkcs12(key: Pick<BrowserKey, "pkcs8">, certPem: string, chainPem: string | null, passphrase: string, friendlyName: string): Uint8Array {
  const certs = [certPem, chainPem ?? ""].flatMap((pem) =>
    forge.pem
      .decode(pem)
      .filter((b) => b.type === "CERTIFICATE")
      .map((b) => b.body),
  );
  const localKeyId = forge.md.sha1.create().update(certs[0]).digest().getBytes();
  const attrs = set(
    seq(oid("localKeyId"), set(octets(localKeyId))),
    seq(oid("friendlyName"), set(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, friendlyName))),
  );
  const certBags = certs.map((body, i) => {
    const bag = [oid("certBag"), explicit0(seq(oid("x509Certificate"), explicit0(octets(body))))];
    return seq(...(i === 0 ? [...bag, attrs] : bag));
  });
  const keyBag = seq(oid("pkcs8ShroudedKeyBag"), explicit0(encryptKey(key, passphrase)), attrs);
  const authSafe = seq(dataInfo(seq(...certBags)), dataInfo(seq(keyBag)));

  const salt = forge.random.getBytesSync(16);
  const macKey = forge.pkcs12.generateKey(passphrase, forge.util.createBuffer(salt), 3, ITERATIONS, 32, forge.md.sha256.create());
  const hmac = forge.hmac.create();
  hmac.start("sha256", macKey.getBytes());
  hmac.update(der(authSafe));
  const macData = seq(
    seq(seq(oid("sha256"), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, "")), octets(hmac.digest().getBytes())),
    octets(salt),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(ITERATIONS).getBytes()),
  );
  const pfx = seq(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()), dataInfo(authSafe), macData);
  return forge.util.binary.raw.decode(der(pfx));
}

/** The private key encrypted with the passphrase (PKCS#8, AES-256), to keep while a request waits. */
export function encryptedKeyPem(key: BrowserKey, passphrase: string): string {
  return forge.pki.encryptedPrivateKeyToPem(encryptKey(key, passphrase));
}

/** The PKCS#8 bytes of a key encryptedKeyPem() wrote, or null when the passphrase does not open it. */
export function decryptKeyPem(encryptedPem: string, passphrase: string): Pick<BrowserKey, "pkcs8"> | null {
  let info: forge.asn1.Asn1 | null;
  try {
    info = forge.pki.decryptPrivateKeyInfo(forge.pki.encryptedPrivateKeyFromPem(encryptedPem), forge.util.encodeUtf8(passphrase));
  } catch {
    return null;
  }
  return info ? { pkcs8: forge.util.binary.raw.decode(der(info)) } : null;
}
