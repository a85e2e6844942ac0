import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { closeDb, getDb } from "@/db/client";
import { certificateAuthorities, certificates } from "@/db/schema";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { openssl, run } from "@/test/support/run";
import { ADMIN, expect, login, logout, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const slug = `pki-${suffix}`;
const domain = `${slug}.example.com`;
const leader = { username: `pkilead-${suffix}`, password: `Lead-${suffix}-pass-9` };
const developer = { username: `pkidev-${suffix}`, password: `Dev-${suffix}-pass-9`, email: `dev@${domain}` };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-pki-"));
const root = path.resolve(import.meta.dirname, "..");

test.beforeAll(async () => {
  test.setTimeout(120_000); // a whole demo hierarchy: six CA keys generated and signed
  // The portal's database and data directory (same encryption key): a demo hierarchy.
  const boot = await run(path.join(root, "node_modules/.bin/tsx"), ["scripts/cli.ts", "pki:dev-bootstrap", "--out", path.join(tmp, "offline")], { cwd: root });
  expect(boot.code, boot.out).toBe(0);
  const db = getDb();
  const lead = await createLocalUser(db, leader);
  await createLocalUser(db, developer);
  const org = await createOrg(db, { name: slug, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db, org.id, developer.username, "developer");
});

test.afterAll(async () => {
  await closeDb();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("a user lets the browser make the key, gets the certificate at once and downloads the PKCS#12", async ({ page }) => {
  await login(page, developer.username, developer.password);
  await page.goto(`/orgs/${slug}/certificates`);
  const form = page.getByRole("form", { name: "Request certificate" });
  await form.getByLabel("Certificate authority").selectOption({ label: "user (user) — approved automatically" });
  // The form names the one address a user certificate may carry, or says where to set it.
  await expect(form.getByText(`Allowed name: your own e-mail address, ${developer.email}`)).toBeVisible();
  await form.getByLabel("Common name").fill("Dev Person");
  await form.getByLabel("Key type").selectOption({ label: "RSA 2048" });
  await form.getByLabel("Passphrase for the downloaded file").fill("p12-secret-pass");
  await form.getByLabel("Repeat the passphrase").fill("p12-secret-pass");
  const downloading = page.waitForEvent("download");
  await form.getByRole("button", { name: "Request certificate" }).click();
  const file = path.join(tmp, "dev.p12");
  await (await downloading).saveAs(file);
  await expect(form.getByText("Certificate issued.")).toBeVisible();

  // The bundle opens with the passphrase only, and holds key, certificate and CA chain.
  const info = execFileSync("openssl", ["pkcs12", "-in", file, "-passin", "pass:p12-secret-pass", "-nodes"], { encoding: "utf8" });
  expect(info).toContain("subject=DC = com, DC = example, OU = " + slug + ", CN = Dev Person");
  expect(info).toContain("BEGIN PRIVATE KEY");
  expect(info).toMatch(/subject=CN = Rookery User CA/);
  expect(() => execFileSync("openssl", ["pkcs12", "-in", file, "-passin", "pass:wrong", "-nokeys"], { stdio: "pipe" })).toThrow();

  await expect(page.getByRole("table", { name: "Certificates" }).getByRole("link", { name: "Dev Person" })).toBeVisible();
  await logout(page);
});

test("a user picks an ECDSA P-256 key in the browser and downloads a PKCS#12 whose key matches the certificate", async ({ page }) => {
  await login(page, developer.username, developer.password);
  await page.goto(`/orgs/${slug}/certificates`);
  const form = page.getByRole("form", { name: "Request certificate" });
  await form.getByLabel("Certificate authority").selectOption({ label: "client (client) — approved automatically" });
  // Only what the CA's policy accepts is offered, ECDSA first.
  await expect(form.getByLabel("Key type").locator("option")).toHaveText(["ECDSA P-256", "ECDSA P-384", "RSA 2048", "RSA 3072", "RSA 4096"]);
  await form.getByLabel("Key type").selectOption({ label: "ECDSA P-256" });
  await form.getByLabel("Common name").fill(`laptop.${domain}`);
  await form.getByLabel("Passphrase for the downloaded file").fill("ec-secret-pass");
  await form.getByLabel("Repeat the passphrase").fill("ec-secret-pass");
  const downloading = page.waitForEvent("download");
  await form.getByRole("button", { name: "Request certificate" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`laptop.${domain}.p12`);
  const file = path.join(tmp, "laptop.p12");
  await download.saveAs(file);
  await expect(form.getByText("Certificate issued.")).toBeVisible();

  // OpenSSL 3 opens it without -legacy: the EC key, the certificate and the chain.
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: tmp, encoding: "utf8", stdio: "pipe" });
  const info = ssl("pkcs12", "-in", file, "-passin", "pass:ec-secret-pass", "-nodes", "-info");
  expect(info).toContain(`subject=DC = com, DC = example, OU = ${slug}, CN = laptop.${domain}`);
  expect(info).toMatch(/subject=CN = Rookery Client CA/);
  expect(info).toContain("BEGIN PRIVATE KEY");
  expect(ssl("pkcs12", "-in", file, "-passin", "pass:ec-secret-pass", "-nokeys").match(/BEGIN CERTIFICATE/g)).toHaveLength(4);
  ssl("pkcs12", "-in", file, "-passin", "pass:ec-secret-pass", "-nocerts", "-nodes", "-out", "laptop.key");
  ssl("pkcs12", "-in", file, "-passin", "pass:ec-secret-pass", "-clcerts", "-nokeys", "-out", "laptop.pem");
  expect(ssl("pkey", "-in", "laptop.key", "-noout", "-text")).toMatch(/ASN1 OID: prime256v1/);
  expect(ssl("x509", "-in", "laptop.pem", "-noout", "-pubkey")).toBe(ssl("pkey", "-in", "laptop.key", "-pubout"));
  expect(() => ssl("pkcs12", "-in", file, "-passin", "pass:wrong", "-nokeys")).toThrow();

  await page
    .getByRole("table", { name: "Certificates" })
    .getByRole("link", { name: `laptop.${domain}` })
    .click();
  await expect(page.getByText("ECDSA P-256", { exact: true })).toBeVisible();
  // The org's Puppet agents are for its leaders: a developer is told so (403).
  expect((await page.goto(`/orgs/${slug}/certificates/puppet`))?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Your role does not allow this page" })).toBeVisible();
  await page.goto(`/orgs/${slug}/certificates`);
  await logout(page);
});

test("a developer pastes a CSR for a host, the leader approves it from the queue", async ({ page }) => {
  execFileSync("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "web.key", "-subj", `/CN=web.${domain}`, "-out", "web.csr"], {
    cwd: tmp,
    stdio: "pipe",
  });
  await login(page, developer.username, developer.password);
  await page.goto(`/orgs/${slug}/certificates`);
  const form = page.getByRole("form", { name: "Request certificate" });
  await form.getByLabel("Certificate authority").selectOption({ label: "host (host) — approved by an organization leader" });
  await form.getByLabel("I have a certificate signing request (CSR)").check();
  // A CSR with a name outside the org's domains is explained, not accepted.
  execFileSync("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "bad.key", "-subj", "/CN=www.evil.org", "-out", "bad.csr"], {
    cwd: tmp,
    stdio: "pipe",
  });
  await form.getByLabel("Certificate signing request (PEM)").fill(fs.readFileSync(path.join(tmp, "bad.csr"), "utf8"));
  await form.getByRole("button", { name: "Request certificate" }).click();
  await expect(form.getByText(/outside your organization's domains/)).toBeVisible();
  await form.getByLabel("Certificate signing request (PEM)").fill(fs.readFileSync(path.join(tmp, "web.csr"), "utf8"));
  await form.getByRole("button", { name: "Request certificate" }).click();
  await expect(form.getByText(/waits for approval by an organization leader/)).toBeVisible();
  await logout(page);

  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${slug}/certificates`);
  const queue = page.getByRole("table", { name: "Requests waiting for approval" });
  await queue.getByRole("link", { name: `web.${domain}` }).click();
  await page.getByRole("button", { name: "Approve and issue" }).click();
  await expect(page.getByText("Valid", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Download full PEM bundle" })).toBeVisible();
  await logout(page);
});

test("a browser-made key waits in the browser while the leader approves; the certificate page then builds the PKCS#12", async ({ page }) => {
  await login(page, developer.username, developer.password);
  await page.goto(`/orgs/${slug}/certificates`);
  const form = page.getByRole("form", { name: "Request certificate" });
  await form.getByLabel("Certificate authority").selectOption({ label: "host (host) — approved by an organization leader" });
  await form.getByLabel("Common name").fill(`api.${domain}`);
  await form.getByLabel("Passphrase for the downloaded file").fill("kept-secret-pass");
  await form.getByLabel("Repeat the passphrase").fill("kept-secret-pass");
  await form.getByRole("button", { name: "Request certificate" }).click();
  await expect(form.getByText("This browser keeps your private key, encrypted with your passphrase")).toBeVisible();
  // Leaving the page loses nothing: the key is in this browser's storage, not in the page.
  await page.goto(`/orgs/${slug}`);
  await logout(page);

  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${slug}/certificates`);
  await page
    .getByRole("table", { name: "Requests waiting for approval" })
    .getByRole("link", { name: `api.${domain}` })
    .click();
  // The leader's browser holds no key of this request.
  await expect(page.getByRole("heading", { name: "Private key kept by this browser" })).toHaveCount(0);
  await page.getByRole("button", { name: "Approve and issue" }).click();
  await expect(page.getByText("Valid", { exact: true })).toBeVisible();
  const certUrl = page.url();
  await logout(page);

  await login(page, developer.username, developer.password);
  await page.goto(certUrl);
  const p12Form = page.getByRole("form", { name: "Download PKCS#12" });
  await p12Form.getByLabel("Passphrase").fill("not-the-passphrase");
  await p12Form.getByRole("button", { name: "Download PKCS#12" }).click();
  await expect(p12Form.getByText("This passphrase does not open the key")).toBeVisible();
  await p12Form.getByLabel("Passphrase").fill("kept-secret-pass");
  const downloading = page.waitForEvent("download");
  await p12Form.getByRole("button", { name: "Download PKCS#12" }).click();
  const file = path.join(tmp, "api.p12");
  await (await downloading).saveAs(file);

  // The key the browser made on the request page belongs to the certificate the leader approved.
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: tmp, encoding: "utf8", stdio: "pipe" });
  ssl("pkcs12", "-in", file, "-passin", "pass:kept-secret-pass", "-nocerts", "-nodes", "-out", "api.key");
  ssl("pkcs12", "-in", file, "-passin", "pass:kept-secret-pass", "-clcerts", "-nokeys", "-out", "api.pem");
  expect(ssl("x509", "-in", "api.pem", "-noout", "-subject")).toContain(`CN = api.${domain}`);
  expect(ssl("x509", "-in", "api.pem", "-noout", "-pubkey")).toBe(ssl("pkey", "-in", "api.key", "-pubout"));

  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Remove the key from this browser" }).click();
  await expect(page.getByRole("heading", { name: "Private key kept by this browser" })).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("button", { name: "Download full PEM bundle" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Private key kept by this browser" })).toHaveCount(0);
  await logout(page);
});

test("an admin revokes the host certificate and the OCSP answer turns to revoked", async ({ page, baseURL }) => {
  const [cert] = await getDb()
    .select()
    .from(certificates)
    .where(and(eq(certificates.commonName, `web.${domain}`), eq(certificates.state, "issued")));
  fs.writeFileSync(path.join(tmp, "web.pem"), cert.certPem!);
  for (const f of ["host/ca.pem", "level1/ca.pem", "root/ca.pem"])
    fs.writeFileSync(path.join(tmp, f.replace("/ca", "")), await (await fetch(`${baseURL}/pki/${f}`)).text());
  const ocsp = () =>
    openssl(
      ["ocsp", "-issuer", "host.pem", "-cert", "web.pem", "-url", `${baseURL}/pki/ocsp`, "-CAfile", "root.pem", "-verify_other", "level1.pem", "-no_nonce"],
      tmp,
    );
  // openssl writes the verdict to stderr and the status to stdout: their order in the output varies.
  const first = (await ocsp()).out;
  expect(first).toContain("Response verify OK");
  expect(first).toContain("web.pem: good");

  await login(page, ADMIN.username, ADMIN.password);
  await page.goto(`/orgs/${slug}/certificates`);
  await page
    .getByRole("table", { name: "Certificates" })
    .getByRole("link", { name: `web.${domain}` })
    .click();
  const revoke = page.getByRole("form", { name: "Revoke certificate" });
  await revoke.getByLabel("Reason").selectOption("keyCompromise");
  page.once("dialog", (d) => void d.accept());
  await revoke.getByRole("button", { name: "Revoke certificate" }).click();
  await expect(page.getByText(/\(keyCompromise\)/)).toBeVisible();

  expect((await ocsp()).out).toMatch(/web.pem: revoked[\s\S]*Reason: keyCompromise/);
  const crl = Buffer.from(await (await fetch(`${baseURL}/pki/host/crl`)).arrayBuffer());
  fs.writeFileSync(path.join(tmp, "host.crl"), crl);
  const crlText = (await openssl(["crl", "-inform", "DER", "-in", "host.crl", "-noout", "-text"], tmp)).out;
  expect(crlText.replace(/:/g, "").toLowerCase()).toContain(cert.serial!);
});

test("two weeks before the level-1 CRL runs out, Admin → PKI warns and says how to renew it", async ({ page }) => {
  const db = getDb();
  const [l1] = await db.select().from(certificateAuthorities).where(eq(certificateAuthorities.name, "level1"));
  await db
    .update(certificateAuthorities)
    .set({ crlNextUpdate: new Date(Date.now() + 10 * 86_400_000) })
    .where(eq(certificateAuthorities.id, l1.id));
  try {
    await login(page, ADMIN.username, ADMIN.password);
    await page.goto("/admin/pki");
    const warning = page.getByRole("status").filter({ hasText: "The level1 CRL runs out in 9 days" });
    await expect(warning).toBeVisible();
    await expect(warning).toContainText(`pki:crl … --number ${l1.crlNumber + 1}`);
  } finally {
    await db.update(certificateAuthorities).set({ crlNextUpdate: l1.crlNextUpdate }).where(eq(certificateAuthorities.id, l1.id));
  }
});
