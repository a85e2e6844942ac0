import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generateKey, parseCsr, selfSignedRoot, signerFromPem } from "@/server/pki/x509";
import { checkCsr, defaultPolicy } from "@/server/pki/policy";
import * as x509 from "@/server/pki/lib";
import { createCsrPem, encryptedKeyPem, generateRsaKey, parseSans, pkcs12 } from "./browser-key";

describe("browser-side key, CSR and PKCS#12", () => {
  it("makes a CSR the server accepts and a PKCS#12 openssl opens with the passphrase", async () => {
    const key = await generateRsaKey(2048);
    const sans = parseSans("www.acme.example.com, 10.0.0.7");
    expect(sans).toEqual([{ type: "dns", value: "www.acme.example.com" }, { type: "ip", value: "10.0.0.7" }]);
    const csrPem = createCsrPem(key, "web.acme.example.com", sans);
    const csr = parseCsr(csrPem);
    expect(await csr.verify()).toBe(true);
    const checked = checkCsr(defaultPolicy("host", "dc=example,dc=com"), csr, { orgSlug: "acme", email: null });
    expect(checked.sans.map((s) => s.value)).toEqual(["web.acme.example.com", "www.acme.example.com", "10.0.0.7"]);
    expect(checked.keyDescription).toBe("RSA 2048");

    // A certificate for that key (self-signed here; the chain part is tested server-side).
    const caKey = generateKey({ type: "rsa", bits: 2048 });
    const ca = await selfSignedRoot({ subject: "CN=Test CA", signer: await signerFromPem(caKey.privateKeyPem), days: 10 });
    const leaf = await x509.X509CertificateGenerator.create({
      subject: "CN=web.acme.example.com",
      issuer: ca.subject,
      publicKey: csr.publicKey,
      signingKey: (await signerFromPem(caKey.privateKeyPem)).privateKey,
      signingAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as Algorithm,
    });
    const p12 = pkcs12(key, leaf.toString("pem"), ca.toString("pem"), "correct horse", "web");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-p12-"));
    fs.writeFileSync(path.join(dir, "a.p12"), p12);
    const ok = spawnSync("openssl", ["pkcs12", "-in", "a.p12", "-passin", "pass:correct horse", "-nodes", "-info"], { cwd: dir, encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("subject=CN = web.acme.example.com");
    expect(ok.stdout).toContain("subject=CN = Test CA");
    expect(ok.stdout).toMatch(/BEGIN PRIVATE KEY/);
    const wrong = spawnSync("openssl", ["pkcs12", "-in", "a.p12", "-passin", "pass:wrong", "-nokeys"], { cwd: dir, encoding: "utf8" });
    expect(wrong.status).not.toBe(0);
    const enc = encryptedKeyPem(key, "correct horse");
    expect(enc).toContain("ENCRYPTED PRIVATE KEY");
    fs.writeFileSync(path.join(dir, "k.pem"), enc);
    expect(spawnSync("openssl", ["pkey", "-in", "k.pem", "-passin", "pass:correct horse", "-noout"], { cwd: dir }).status).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
