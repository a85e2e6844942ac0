import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config";
import { createOrg } from "@/server/orgs";
import { chainPem, createSubCa, getCa, installSubCaCertificate } from "@/server/pki/ca";
import { createRequest, issue } from "@/server/pki/certs";
import { devBootstrap, signCa } from "@/server/pki/offline";
import { defaultPolicy } from "@/server/pki/policy";
import { testDatabase } from "@/test/support/db";
import { openssl as runOpenssl } from "@/test/support/run";
import { createCsrPem, decryptKeyPem, encryptedKeyPem, generateKey, pkcs12 } from "./browser-key";
import { keyOptions, parseSans, type KeyChoice } from "./key-types";

// The browser code runs here on Node's WebCrypto; the server part is the real one on a real database.
const db = testDatabase();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-browser-key-"));
let org: { id: string; slug: string };

const openssl = (args: string[]) => runOpenssl(args, tmp);

beforeAll(async () => {
  process.env.ROOKERY_ENCRYPTION_KEY = randomBytes(32).toString("base64");
  process.env.PUBLIC_URL = "http://127.0.0.1:9";
  loadConfig();
  await devBootstrap(db(), { outDir: path.join(tmp, "dev"), base: "dc=example,dc=com", orgName: "Test" });
  // A sub-CA with an ECDSA key that takes ECDSA requests only: its certificate goes into the PKCS#12 too.
  const l1 = (await getCa(db(), { name: "level1" }))!;
  const sub = await createSubCa(db(), {
    name: "ec-host",
    subject: "CN=EC Host CA,O=Test",
    parentId: l1.id,
    key: { type: "ec", curve: "P-384" },
    policy: { ...defaultPolicy("host", "dc=example,dc=com"), rsaMinBits: 16384 },
  });
  const signed = await signCa({
    caCertPem: l1.certPem!,
    caKeyPem: fs.readFileSync(path.join(tmp, "dev", "level1.key"), "utf8"),
    csrPem: sub.csrPem!,
    days: 100,
    pathLength: 0,
  });
  await installSubCaCertificate(db(), sub.id, signed);
  org = await createOrg(db(), { name: "Acme", slug: "acme", source: "local" });
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("browser-side key, CSR and PKCS#12", () => {
  it("offers the key types a policy allows, ECDSA first", () => {
    expect(keyOptions(defaultPolicy("host", "dc=x")).map((o) => o.label)).toEqual(["ECDSA P-256", "ECDSA P-384", "RSA 2048", "RSA 3072", "RSA 4096"]);
    expect(keyOptions({ rsaMinBits: 3072, ecCurves: ["P-384"] }).map((o) => o.value)).toEqual(["ec:P-384", "rsa:3072", "rsa:4096"]);
    expect(keyOptions({ rsaMinBits: 8192, ecCurves: ["P-256"] }).map((o) => o.label)).toEqual(["ECDSA P-256"]);
    expect(parseSans("www.acme.example.com, 10.0.0.7; me@acme.example.com")).toEqual([
      { type: "dns", value: "www.acme.example.com" },
      { type: "ip", value: "10.0.0.7" },
      { type: "email", value: "me@acme.example.com" },
    ]);
  });

  const cases: [string, KeyChoice, string, RegExp][] = [
    ["ec-host", { type: "ec", curve: "P-256" }, "ECDSA P-256", /ASN1 OID: prime256v1/],
    ["ec-host", { type: "ec", curve: "P-384" }, "ECDSA P-384", /ASN1 OID: secp384r1/],
    ["host", { type: "rsa", bits: 2048 }, "RSA 2048", /Private-Key: \(2048 bit/],
  ];
  it.each(cases)(
    "%s CA, %s: the server issues for the browser's CSR; openssl opens the PKCS#12 with the passphrase only",
    async (caName, choice, description, keyText) => {
      const name = `${choice.type}${"curve" in choice ? choice.curve.slice(2) : choice.bits}`;
      const key = await generateKey(choice);
      const csrPem = await createCsrPem(key, `${name}.acme.example.com`, parseSans("www.acme.example.com, 10.0.0.7"));

      const ca = (await getCa(db(), { name: caName }))!;
      const pending = await createRequest(db(), { ca, org, user: { id: null as unknown as string, email: null }, csrPem, validityDays: 30 });
      expect(pending.keyDescription).toBe(description);
      expect(pending.sans.map((s) => s.value)).toEqual([`${name}.acme.example.com`, "www.acme.example.com", "10.0.0.7"]);
      const cert = await issue(db(), pending, null);
      const chain = await chainPem(db(), ca);

      const p12 = path.join(tmp, `${name}.p12`);
      fs.writeFileSync(p12, pkcs12(key, cert.certPem!, chain, "correct horse", name));
      const info = await openssl(["pkcs12", "-in", p12, "-passin", "pass:correct horse", "-nodes", "-info"]);
      expect(info.code, info.out).toBe(0);
      expect(info.out).toMatch(/PKCS7 Data\nShrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
      expect(info.out).toMatch(/MAC: sha256, Iteration 10000/);
      expect(info.out).toContain(`friendlyName: ${name}`);
      expect(info.out).toContain(`subject=DC = com, DC = example, OU = acme, CN = ${name}.acme.example.com`);
      expect(info.out).toContain(`subject=CN = ${caName === "host" ? "Test Host CA" : "EC Host CA"}, O = Test`);
      expect(info.out).toContain("subject=CN = Test Level-1 CA, O = Test");
      expect(info.out).toMatch(/BEGIN PRIVATE KEY/);

      // The key in the file is the certificate's key, of the type asked for.
      fs.writeFileSync(path.join(tmp, `${name}.key`), info.out.match(/-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\n/)![0]);
      fs.writeFileSync(path.join(tmp, `${name}.pem`), cert.certPem!);
      expect((await openssl(["pkey", "-in", `${name}.key`, "-noout", "-text"])).out).toMatch(keyText);
      const keyPub = (await openssl(["pkey", "-in", `${name}.key`, "-pubout"])).out;
      expect(keyPub).toContain("BEGIN PUBLIC KEY");
      expect((await openssl(["x509", "-in", `${name}.pem`, "-noout", "-pubkey"])).out).toBe(keyPub);

      const certsOnly = await openssl(["pkcs12", "-in", p12, "-passin", "pass:correct horse", "-nokeys"]);
      expect(certsOnly.code).toBe(0);
      expect(certsOnly.out.match(/BEGIN CERTIFICATE/g)).toHaveLength(4);
      expect(certsOnly.out).not.toContain("PRIVATE KEY");
      const wrong = await openssl(["pkcs12", "-in", p12, "-passin", "pass:wrong horse", "-nokeys"]);
      expect(wrong.code).not.toBe(0);
      expect(wrong.out).toMatch(/mac verify error/i);

      // While a request waits, the key is kept as encrypted PKCS#8 that openssl opens with the passphrase only.
      fs.writeFileSync(path.join(tmp, `${name}.enc.pem`), encryptedKeyPem(key, "correct horse"));
      expect((await openssl(["pkey", "-in", `${name}.enc.pem`, "-passin", "pass:correct horse", "-pubout"])).out).toBe(keyPub);
      expect((await openssl(["pkey", "-in", `${name}.enc.pem`, "-passin", "pass:wrong horse", "-noout"])).code).not.toBe(0);
      // The certificate page opens that kept key with the same passphrase and builds the same PKCS#12.
      expect(decryptKeyPem(encryptedKeyPem(key, "correct horse"), "wrong horse")).toBeNull();
      const reopened = decryptKeyPem(fs.readFileSync(path.join(tmp, `${name}.enc.pem`), "utf8"), "correct horse")!;
      expect(Buffer.from(reopened.pkcs8).equals(Buffer.from(key.pkcs8))).toBe(true);
      fs.writeFileSync(path.join(tmp, `${name}.later.p12`), pkcs12(reopened, cert.certPem!, chain, "correct horse", name));
      const later = await openssl(["pkcs12", "-in", `${name}.later.p12`, "-passin", "pass:correct horse", "-nocerts", "-nodes"]);
      expect(later.code, later.out).toBe(0);
      fs.writeFileSync(path.join(tmp, `${name}.later.key`), later.out.match(/-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\n/)![0]);
      expect((await openssl(["pkey", "-in", `${name}.later.key`, "-pubout"])).out).toBe(keyPub);
    },
  );

  it("an RSA key is refused by the ECDSA-only CA with a plain message", async () => {
    const key = await generateKey({ type: "rsa", bits: 2048 });
    const csrPem = await createCsrPem(key, "rsa.acme.example.com", []);
    const ca = (await getCa(db(), { name: "ec-host" }))!;
    await expect(createRequest(db(), { ca, org, user: { id: null as unknown as string, email: null }, csrPem, validityDays: 30 })).rejects.toThrow(
      /RSA 2048, which is too weak or not accepted here.*ECDSA P-256 or ECDSA P-384/,
    );
  });
});
