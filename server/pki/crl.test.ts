import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openssl as runOpenssl } from "@/test/support/run";
import * as x509 from "./lib";
import { createCrl, type CrlEntry } from "./crl";
import { generateKey, randomSerial, normalizeSerial, selfSignedRoot, signerFromPem, revocationReasons, type KeySpec, type RevocationReason } from "./x509";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-crl-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
/** openssl's stdout and stderr together ("verify OK" goes to stderr). */
async function openssl(args: string[]) {
  const r = await runOpenssl(args, tmp);
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.out}`);
  return r.out;
}

async function ca(spec: KeySpec) {
  const signer = await signerFromPem(generateKey(spec).privateKeyPem);
  const cert = await selfSignedRoot({ subject: "CN=CRL test CA", signer, days: 30 });
  return { signer, cert };
}

const reasons = Object.keys(revocationReasons) as RevocationReason[];
function entries(n: number): CrlEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    // stored serials are normalized; a stray leading zero byte must not make the INTEGER non-minimal
    serial: i % 11 === 0 ? "00" + normalizeSerial(randomSerial()).replace(/^[89a-f]/, "7") : normalizeSerial(randomSerial()),
    // 2051 needs GeneralizedTime, the rest UTCTime.
    revokedAt: new Date(i % 7 === 0 ? Date.UTC(2051, 0, 2, 3, 4, 5) : Date.now() - i * 1000),
    reason: reasons[i % reasons.length],
  }));
}

describe("createCrl", () => {
  for (const spec of [
    { type: "ec", curve: "P-256" },
    { type: "ec", curve: "P-384" },
    { type: "rsa", bits: 2048 },
  ] as KeySpec[]) {
    it(`writes a CRL openssl verifies, entry for entry (${spec.type === "ec" ? spec.curve : "RSA"})`, async () => {
      const { signer, cert } = await ca(spec);
      const list = entries(300);
      const now = new Date();
      const crl = await createCrl({ issuer: cert, signer, crlNumber: 42, thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000), entries: list });
      fs.writeFileSync(path.join(tmp, "ca.pem"), cert.toString("pem"));
      fs.writeFileSync(path.join(tmp, "t.crl"), crl.pem);
      const text = await openssl(["crl", "-in", "t.crl", "-CAfile", "ca.pem", "-noout", "-text"]);
      expect(text).toMatch(/verify OK/);
      expect(text).toMatch(/X509v3 CRL Number:\s*42/);
      expect(text.split("Serial Number:").length - 1).toBe(300);

      // The library reads back every entry with its serial, date and reason.
      const parsed = new x509.X509Crl(crl.pem);
      expect(await parsed.verify({ publicKey: signer.publicKey })).toBe(true);
      expect(parsed.entries).toHaveLength(300);
      parsed.entries.forEach((e, i) => {
        expect(normalizeSerial(e.serialNumber)).toBe(normalizeSerial(list[i].serial));
        expect(Math.floor(e.revocationDate.getTime() / 1000)).toBe(Math.floor(list[i].revokedAt.getTime() / 1000));
        expect(e.reason ?? 0).toBe(revocationReasons[list[i].reason]);
      });
    });
  }

  it("leaves revokedCertificates out of an empty CRL", async () => {
    const { signer, cert } = await ca({ type: "ec", curve: "P-256" });
    const now = new Date();
    const empty = await createCrl({ issuer: cert, signer, crlNumber: 1, thisUpdate: now, nextUpdate: new Date(now.getTime() + 1000_000), entries: [] });
    expect(new x509.X509Crl(empty.pem).entries).toHaveLength(0);
    fs.writeFileSync(path.join(tmp, "ca.pem"), cert.toString("pem"));
    fs.writeFileSync(path.join(tmp, "e.crl"), empty.der);
    const text = await openssl(["crl", "-inform", "DER", "-in", "e.crl", "-CAfile", "ca.pem", "-noout", "-text"]);
    expect(text).toMatch(/verify OK/);
    expect(text).toMatch(/No Revoked Certificates/);
  });

  it("signs 100,000 entries that openssl reads and verifies", { timeout: 120_000 }, async () => {
    const { signer, cert } = await ca({ type: "ec", curve: "P-256" });
    const list = entries(100_000);
    const now = new Date();
    const t = performance.now();
    const crl = await createCrl({ issuer: cert, signer, crlNumber: 7, thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000), entries: list });
    const ms = performance.now() - t;
    fs.writeFileSync(path.join(tmp, "ca.pem"), cert.toString("pem"));
    fs.writeFileSync(path.join(tmp, "big.crl"), crl.der);
    const text = await openssl(["crl", "-inform", "DER", "-in", "big.crl", "-CAfile", "ca.pem", "-noout", "-text"]);
    expect(text).toMatch(/verify OK/);
    expect(text.split("Serial Number:").length - 1).toBe(100_000);
    expect(text).toContain(list[99_999].serial.toUpperCase().slice(-8));
    console.log(`CRL of 100,000 entries in ${Math.round(ms)} ms (${crl.der.length} bytes)`);
  });
});
