import forge from "node-forge";

/**
 * Browser-side key handling for self-service: the key pair is made by WebCrypto, the CSR and
 * the PKCS#12 by node-forge. The private key never leaves the browser.
 */
export type BrowserKey = { privateKey: forge.pki.rsa.PrivateKey };

export async function generateRsaKey(bits: number): Promise<BrowserKey> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const privateKey = forge.pki.privateKeyFromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(pkcs8))) as forge.pki.rsa.PrivateKey;
  return { privateKey };
}

export type SanInput = { type: "dns" | "ip" | "email"; value: string };

/** Splits "www.example.com, 10.0.0.1, me@example.com" into typed alternative names. */
export function parseSans(text: string): SanInput[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((value) => ({ type: value.includes("@") ? "email" : /^[0-9.]+$|:/.test(value) ? "ip" : "dns", value }));
}

export function createCsrPem(key: BrowserKey, commonName: string, sans: SanInput[]): string {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.privateKey.n, key.privateKey.e);
  csr.setSubject([{ name: "commonName", value: commonName, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class }]);
  if (sans.length)
    csr.setAttributes([
      {
        name: "extensionRequest",
        extensions: [{ name: "subjectAltName", altNames: sans.map((s) => (s.type === "dns" ? { type: 2, value: s.value } : s.type === "email" ? { type: 1, value: s.value } : { type: 7, ip: s.value })) }],
      },
    ]);
  csr.sign(key.privateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/** PKCS#12 (AES-256) with the key, the certificate and whatever of the CA chain forge can read. */
export function pkcs12(key: BrowserKey, certPem: string, chainPem: string | null, passphrase: string, friendlyName: string): Uint8Array {
  const certs = [forge.pki.certificateFromPem(certPem)];
  for (const block of (chainPem ?? "").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)?? []) {
    try {
      certs.push(forge.pki.certificateFromPem(block));
    } catch {
      // forge reads RSA certificates only; an ECDSA CA stays out of the bundle (the chain download has it).
    }
  }
  const asn1 = forge.pkcs12.toPkcs12Asn1(key.privateKey, certs, passphrase, { algorithm: "aes256", friendlyName });
  return forge.util.binary.raw.decode(forge.asn1.toDer(asn1).getBytes());
}

/** The private key encrypted with the passphrase (PKCS#8, AES-256), to keep while a request waits. */
export function encryptedKeyPem(key: BrowserKey, passphrase: string): string {
  return forge.pki.encryptRsaPrivateKey(key.privateKey, passphrase, { algorithm: "aes256" });
}
