import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateAuthorities, certificates, notifications } from "@/db/schema";
import { loadConfig } from "@/server/config";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { openssl as runOpenssl } from "@/test/support/run";
import { freePort } from "@/test/support/ports";
import { createSubCa, getCa, importRoot, installSubCaCertificate, listCas, regenerateCrl, uploadCrl } from "./ca";
import { createRequest, issue, revoke } from "./certs";
import { handlePki } from "./http";
import { pkiRefreshJob } from "./jobs";
import { staleCrls, warnStaleCrls } from "./notices";
import { caCsr, devBootstrap, offlineCrl, renewDevOfflineCrls, rootInit, signCa } from "./offline";
import { defaultPolicy } from "./policy";

const db = testDatabase();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pki-"));
const offline = path.join(tmp, "offline");
let server: FetchServer;
let org: { id: string; slug: string };
const user = { id: null as unknown as string, email: "alice@acme.example.com" };

const openssl = (args: string[]) => runOpenssl(args, tmp);

/** A CSR made by openssl (key written beside it). */
function csr(name: string, subj: string, opts: { key?: string; san?: string } = {}) {
  const key = opts.key === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["-newkey", opts.key ?? "rsa:2048"];
  const args = ["req", "-new", ...key, "-nodes", "-keyout", `${name}.key`, "-subj", subj, "-out", `${name}.csr`];
  if (opts.san) args.push("-addext", `subjectAltName=${opts.san}`);
  execFileSync("openssl", args, { cwd: tmp, stdio: "pipe" });
  return fs.readFileSync(path.join(tmp, `${name}.csr`), "utf8");
}

function write(name: string, content: string) {
  fs.writeFileSync(path.join(tmp, name), content);
  return name;
}

beforeAll(async () => {
  process.env.ROOKERY_ENCRYPTION_KEY = randomBytes(32).toString("base64");
  const port = await freePort();
  process.env.PUBLIC_URL = `http://127.0.0.1:${port}`;
  loadConfig();
  server = await serveFetch((req) => handlePki(req, new URL(req.url).pathname.split("/").slice(2)), port);
  const o = await createOrg(db(), { name: "Acme", slug: "acme", source: "local" });
  org = { id: o.id, slug: o.slug };
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("offline ceremony and CA import", () => {
  it("root-init, ca-csr, sign-ca produce a chain openssl accepts; import checks the chain and key", async () => {
    await rootInit(offline, "CN=Ceremony Root,O=Acme", 3650, { type: "rsa", bits: 2048 });
    expect(fs.statSync(path.join(offline, "root.key")).mode & 0o777).toBe(0o600);
    await expect(rootInit(offline, "CN=Again", 10)).rejects.toThrow(/refusing to overwrite/);
    await caCsr(offline, "level1", "CN=Ceremony L1,O=Acme", { type: "ec", curve: "P-384" });
    const rootPem = fs.readFileSync(path.join(offline, "root.pem"), "utf8");
    const l1Pem = await signCa({
      caCertPem: rootPem,
      caKeyPem: fs.readFileSync(path.join(offline, "root.key"), "utf8"),
      csrPem: fs.readFileSync(path.join(offline, "level1.csr"), "utf8"),
      days: 3650,
    });
    write("ceremony-root.pem", rootPem);
    write("ceremony-l1.pem", l1Pem);
    expect((await openssl(["verify", "-CAfile", "ceremony-root.pem", "ceremony-l1.pem"])).out).toContain("ceremony-l1.pem: OK");
    expect((await openssl(["x509", "-in", "ceremony-l1.pem", "-noout", "-text"])).out).toMatch(/CA:TRUE, pathlen:1/);

    // The root CRL, signed offline, verifies against the root.
    write(
      "ceremony-root.crl",
      await offlineCrl({ caCertPem: rootPem, caKeyPem: fs.readFileSync(path.join(offline, "root.key"), "utf8"), days: 365, crlNumber: 1 }),
    );
    expect((await openssl(["crl", "-in", "ceremony-root.crl", "-CAfile", "ceremony-root.pem", "-noout"])).out).toMatch(/verify OK/);

    // Garbage and wrong-order imports are refused without a trace.
    await expect(importRoot(db(), "hello")).rejects.toThrow(/not a PEM certificate/);
    await expect(importRoot(db(), l1Pem)).rejects.toThrow(/not a self-signed root/);
    expect(await listCas(db())).toHaveLength(0);
  });
});

describe("the demo hierarchy (pki:dev-bootstrap) and issuing", () => {
  it("bootstraps root, level-1 and the four default sub-CAs once", async () => {
    const r = await devBootstrap(db(), { outDir: path.join(tmp, "dev"), base: "dc=example,dc=ch", orgName: "Test" });
    expect(r.created).toBe(true);
    expect(r.cas.map((c) => `${c.level}:${c.name}:${c.status}`).sort()).toEqual(
      ["root:root:active", "intermediate:level1:active", "sub:puppet:active", "sub:user:active", "sub:client:active", "sub:host:active"].sort(),
    );
    expect(r.cas.every((c) => (c.level === "sub" ? !!c.keyEncrypted && !c.keyEncrypted.includes("PRIVATE KEY") : !c.keyEncrypted))).toBe(true);
    expect((await devBootstrap(db(), { outDir: path.join(tmp, "dev"), base: "x", orgName: "x" })).created).toBe(false);

    // Published over HTTP: chain and CRLs verify with openssl.
    const root = await (await fetch(`${server.url}/pki/root/ca.pem`)).text();
    write("root.pem", root);
    write("chain-host.pem", await (await fetch(`${server.url}/pki/host/chain.pem`)).text());
    write("host-ca.pem", await (await fetch(`${server.url}/pki/host/ca.pem`)).text());
    write("level1.pem", await (await fetch(`${server.url}/pki/level1/ca.pem`)).text());
    expect((await openssl(["verify", "-CAfile", "root.pem", "-untrusted", "level1.pem", "host-ca.pem"])).out).toContain("OK");
    const crl = await fetch(`${server.url}/pki/root/crl`);
    expect(crl.headers.get("content-type")).toBe("application/pkix-crl");
    fs.writeFileSync(path.join(tmp, "root.crl"), Buffer.from(await crl.arrayBuffer()));
    expect((await openssl(["crl", "-inform", "DER", "-in", "root.crl", "-CAfile", "root.pem", "-noout"])).out).toMatch(/verify OK/);
    expect((await fetch(`${server.url}/pki/nope/crl`)).status).toBe(404);
  });

  it("a level-2 sub-CA upload that does not chain or does not match its key changes nothing", async () => {
    const l1 = (await getCa(db(), { name: "level1" }))!;
    const sub = await createSubCa(db(), {
      name: "extra",
      subject: "CN=Extra CA,O=Test",
      parentId: l1.id,
      key: { type: "ec", curve: "P-256" },
      policy: defaultPolicy("client", "dc=example,dc=ch"),
    });
    expect(sub.status).toBe("pending");
    const devDir = path.join(tmp, "dev");
    // Signed by the ceremony root, not our level-1: does not chain.
    const foreign = await signCa({
      caCertPem: fs.readFileSync(path.join(offline, "root.pem"), "utf8"),
      caKeyPem: fs.readFileSync(path.join(offline, "root.key"), "utf8"),
      csrPem: sub.csrPem!,
      days: 100,
    });
    await expect(installSubCaCertificate(db(), sub.id, foreign)).rejects.toThrow(/does not chain to the root/);
    // Signed by our level-1 but for another key.
    const other = csr("other-ca", "/CN=Other CA");
    const wrongKey = await signCa({
      caCertPem: fs.readFileSync(path.join(devDir, "level1.pem"), "utf8"),
      caKeyPem: fs.readFileSync(path.join(devDir, "level1.key"), "utf8"),
      csrPem: other,
      days: 100,
    });
    await expect(installSubCaCertificate(db(), sub.id, wrongKey)).rejects.toThrow(/different key/);
    await expect(installSubCaCertificate(db(), sub.id, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")).rejects.toThrow(/could not be read/);
    expect((await getCa(db(), { id: sub.id }))!.status).toBe("pending");
    // The right one is accepted and gets its first CRL.
    const good = await signCa({
      caCertPem: fs.readFileSync(path.join(devDir, "level1.pem"), "utf8"),
      caKeyPem: fs.readFileSync(path.join(devDir, "level1.key"), "utf8"),
      csrPem: sub.csrPem!,
      days: 100,
    });
    const active = await installSubCaCertificate(db(), sub.id, good);
    expect(active.status).toBe("active");
    expect(active.crlPem).toContain("BEGIN X509 CRL");
    // A root CRL from someone else is refused.
    const root = (await getCa(db(), { name: "root" }))!;
    const foreignCrl = await offlineCrl({
      caCertPem: fs.readFileSync(path.join(offline, "root.pem"), "utf8"),
      caKeyPem: fs.readFileSync(path.join(offline, "root.key"), "utf8"),
      days: 10,
      crlNumber: 2,
    });
    await expect(uploadCrl(db(), root.id, foreignCrl)).rejects.toThrow(/not signed by root/);
  });

  it("checks CSRs against the policy with plain-language errors", async () => {
    const host = (await getCa(db(), { name: "host" }))!;
    const base = { ca: host, org, user: { ...user, id: null as unknown as string }, validityDays: 90 };
    const attempt = (csrPem: string, extra: Partial<typeof base> = {}) => createRequest(db(), { ...base, ...extra, csrPem });
    await expect(attempt("garbage")).rejects.toThrow(/not a certificate signing request/);
    await expect(attempt(csr("weak", "/CN=web1.acme.example.com", { key: "rsa:1024" }))).rejects.toThrow(/RSA 1024.*too weak.*RSA with at least 2048 bits/);
    await expect(attempt(csr("outside", "/CN=web1.acme.example.com", { san: "DNS:evil.example.org" }))).rejects.toThrow(
      /evil.example.org is outside your organization's domains \(acme.example.com\)/,
    );
    await expect(attempt(csr("inject", "/CN=x\\,O=evil"))).rejects.toThrow(/could smuggle extra name parts/);
    await expect(attempt(csr("long", "/CN=web1.acme.example.com"), { validityDays: 5000 })).rejects.toThrow(/at most 397 days/);
    // A CSR whose signature does not match: flip a byte inside the signature.
    const good = csr("tamper", "/CN=web2.acme.example.com");
    const der = Buffer.from(good.replace(/-----[^-]+-----/g, "").replace(/\s/g, ""), "base64");
    der[der.length - 5] ^= 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der
      .toString("base64")
      .match(/.{1,64}/g)!
      .join("\n")}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(attempt(tampered)).rejects.toThrow(/signature does not match/);
  });

  it("issues a host certificate openssl verifies, with CDP and AIA; revocation shows in the CRL and OCSP", async () => {
    const host = (await getCa(db(), { name: "host" }))!;
    const pending = await createRequest(db(), {
      ca: host,
      org,
      user: { ...user, id: null as unknown as string },
      validityDays: 90,
      csrPem: csr("web1", "/C=CH/O=Ignored/CN=web1.acme.example.com", { key: "ec", san: "DNS:www.acme.example.com,IP:10.0.0.1" }),
    });
    expect(pending.state).toBe("pending");
    const cert = await issue(db(), pending, null);
    expect(cert.serial).toMatch(/^[0-9a-f]{30,34}$/);
    write("web1.pem", cert.certPem!);
    const text = (await openssl(["x509", "-in", "web1.pem", "-noout", "-text"])).out;
    expect(text).toContain(`URI:http://127.0.0.1:${server.port}/pki/host/crl`);
    expect(text).toContain(`OCSP - URI:http://127.0.0.1:${server.port}/pki/ocsp`);
    expect(text).toContain(`CA Issuers - URI:http://127.0.0.1:${server.port}/pki/host/ca.crt`);
    expect(text).toMatch(/DNS:web1.acme.example.com, DNS:www.acme.example.com, IP Address:10.0.0.1/);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(text).toMatch(/Subject: DC = ch, DC = example, OU = acme, CN = web1.acme.example.com/);
    expect(text).not.toContain("Ignored");
    expect((await openssl(["verify", "-CAfile", "root.pem", "-untrusted", "chain-host.pem", "web1.pem"])).out).toContain("web1.pem: OK");
    write("root-crl.pem", await (await fetch(`${server.url}/pki/root/crl.pem`)).text());
    // Every level below the root names where its issuer's CRL is published, so openssl fetches and checks them all
    // (the root's own CRL is the relying party's to bring: a self-signed root has no issuer to name).
    expect((await openssl(["x509", "-in", "host-ca.pem", "-noout", "-text"])).out).toContain(`URI:http://127.0.0.1:${server.port}/pki/level1/crl`);
    expect((await openssl(["x509", "-in", "level1.pem", "-noout", "-text"])).out).toContain(`CA Issuers - URI:http://127.0.0.1:${server.port}/pki/root/ca.crt`);
    expect(
      (
        await openssl([
          "verify",
          "-crl_check_all",
          "-crl_download",
          "-CRLfile",
          "root-crl.pem",
          "-CAfile",
          "root.pem",
          "-untrusted",
          "chain-host.pem",
          "web1.pem",
        ])
      ).out,
    ).toContain("web1.pem: OK");

    // The same name again while valid: renew instead.
    await expect(
      createRequest(db(), {
        ca: host,
        org,
        user: { ...user, id: null as unknown as string },
        validityDays: 90,
        csrPem: csr("web1b", "/CN=web1.acme.example.com"),
      }),
    ).rejects.toThrow(/already a valid certificate.*Renew/);

    const ocsp = async (extra: string[] = []) =>
      (
        await openssl([
          "ocsp",
          "-issuer",
          "host-ca.pem",
          "-cert",
          "web1.pem",
          "-url",
          `${server.url}/pki/ocsp`,
          "-CAfile",
          "root.pem",
          "-verify_other",
          "level1.pem",
          "-no_nonce",
          ...extra,
        ])
      ).out;
    expect(await ocsp()).toMatch(/Response verify OK[\s\S]*web1.pem: good/);
    // openssl's default sends a nonce: the pre-signed answer has none (RFC 5019), and openssl says so...
    const withNonce = async () =>
      (
        await openssl([
          "ocsp",
          "-issuer",
          "host-ca.pem",
          "-cert",
          "web1.pem",
          "-url",
          `${server.url}/pki/ocsp`,
          "-CAfile",
          "root.pem",
          "-verify_other",
          "level1.pem",
        ])
      ).out;
    expect(await withNonce()).toMatch(/WARNING: no nonce in response[\s\S]*Response verify OK[\s\S]*web1.pem: good/);
    // ...unless the sub-CA answers nonces (RFC 8954): a fresh answer that echoes it, every time.
    await db()
      .update(certificateAuthorities)
      .set({ policy: { ...host.policy!, ocspNonce: true } })
      .where(eq(certificateAuthorities.id, host.id));
    for (let i = 0; i < 2; i++) {
      const answer = await withNonce();
      expect(answer).toMatch(/Response verify OK[\s\S]*web1.pem: good/);
      expect(answer).not.toMatch(/nonce/i);
    }
    await db().update(certificateAuthorities).set({ policy: host.policy }).where(eq(certificateAuthorities.id, host.id));
    // RFC 5019 GET gives the same answer.
    const reqDer = path.join(tmp, "req.der");
    await openssl(["ocsp", "-issuer", "host-ca.pem", "-cert", "web1.pem", "-no_nonce", "-reqout", reqDer]);
    const get = await fetch(`${server.url}/pki/ocsp/${encodeURIComponent(fs.readFileSync(reqDer).toString("base64"))}`);
    expect(get.headers.get("content-type")).toBe("application/ocsp-response");
    fs.writeFileSync(path.join(tmp, "resp.der"), Buffer.from(await get.arrayBuffer()));
    expect(
      (
        await openssl([
          "ocsp",
          "-respin",
          "resp.der",
          "-issuer",
          "host-ca.pem",
          "-cert",
          "web1.pem",
          "-CAfile",
          "root.pem",
          "-verify_other",
          "level1.pem",
          "-no_nonce",
        ])
      ).out,
    ).toMatch(/web1.pem: good/);

    const revoked = await db().transaction((tx) => revoke(tx, cert, "keyCompromise"));
    expect(revoked.state).toBe("revoked");
    expect(await ocsp()).toMatch(/web1.pem: revoked[\s\S]*Reason: keyCompromise/);
    const crl = await fetch(`${server.url}/pki/host/crl`);
    fs.writeFileSync(path.join(tmp, "host.crl"), Buffer.from(await crl.arrayBuffer()));
    const crlText = (await openssl(["crl", "-inform", "DER", "-in", "host.crl", "-CAfile", "chain-host.pem", "-noout", "-text"])).out;
    expect(crlText).toMatch(/verify OK/);
    expect(crlText.replace(/:/g, "").toLowerCase()).toContain(cert.serial!);
    expect(crlText).toMatch(/Key Compromise/);
    write("host-crl.pem", await (await fetch(`${server.url}/pki/host/crl.pem`)).text());
    expect(
      (await openssl(["verify", "-crl_check", "-CAfile", "root.pem", "-untrusted", "chain-host.pem", "-CRLfile", "host-crl.pem", "web1.pem"])).out,
    ).toMatch(/certificate revoked/);
  });

  it("answers unknown serials with unknown and garbage with malformedRequest", async () => {
    // A serial this sub-CA never issued: "unknown", signed by the sub-CA.
    const out = (
      await openssl([
        "ocsp",
        "-issuer",
        "host-ca.pem",
        "-serial",
        "0x1234abcd",
        "-url",
        `${server.url}/pki/ocsp`,
        "-CAfile",
        "root.pem",
        "-verify_other",
        "level1.pem",
        "-no_nonce",
      ])
    ).out;
    expect(out).toMatch(/0x1234abcd: unknown/);
    const bad = await fetch(`${server.url}/pki/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: "not der" });
    fs.writeFileSync(path.join(tmp, "bad.der"), Buffer.from(await bad.arrayBuffer()));
    expect((await openssl(["ocsp", "-respin", "bad.der", "-resp_text", "-noverify"])).out).toMatch(/malformedrequest/i);
  });

  it("the hourly job re-signs CRLs and OCSP answers that are about to run out", async () => {
    const soon = new Date(Date.now() + 3600_000);
    await db().update(certificateAuthorities).set({ crlNextUpdate: soon }).where(eq(certificateAuthorities.name, "host"));
    // eslint-disable-next-line drizzle/enforce-update-with-where -- every certificate's OCSP answer is meant
    await db().update(certificates).set({ ocspNextUpdate: soon });
    const before = (await getCa(db(), { name: "host" }))!;
    const r = await pkiRefreshJob(db());
    expect(r.crls).toBeGreaterThanOrEqual(1);
    expect(r.ocsp).toBeGreaterThanOrEqual(1);
    const after = (await getCa(db(), { name: "host" }))!;
    expect(after.crlNumber).toBe(before.crlNumber + 1);
    expect(after.crlNextUpdate!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const rows = await db().select().from(certificates);
    expect(rows.every((c) => c.ocspNextUpdate!.getTime() > Date.now() + 20 * 3600_000)).toBe(true);
    // The re-signed answer still says revoked.
    const out = (
      await openssl([
        "ocsp",
        "-issuer",
        "host-ca.pem",
        "-cert",
        "web1.pem",
        "-url",
        `${server.url}/pki/ocsp`,
        "-CAfile",
        "root.pem",
        "-verify_other",
        "level1.pem",
        "-no_nonce",
      ])
    ).out;
    expect(out).toMatch(/web1.pem: revoked/);
    expect((await pkiRefreshJob(db())).ocsp).toBe(0);
  });

  it("warns administrators 14 days before an offline CRL runs out, once; a demo instance's level-1 CRL is re-signed by the workers", async () => {
    const admin = await createLocalUser(db(), { username: "pki-admin", password: "Admin-password-1", isAdmin: true });
    const l1 = (await getCa(db(), { name: "level1" }))!;
    const setNextUpdate = (days: number) =>
      db()
        .update(certificateAuthorities)
        .set({ crlNextUpdate: new Date(Date.now() + days * 86_400_000) })
        .where(eq(certificateAuthorities.id, l1.id));
    const staleNotices = () =>
      db()
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, admin.id), eq(notifications.kind, "pki.crl_stale")));

    await setNextUpdate(15);
    expect(await staleCrls(db())).toEqual([]);
    expect(await warnStaleCrls(db())).toBe(0);
    await setNextUpdate(13);
    expect((await staleCrls(db())).map((c) => [c.name, c.daysLeft])).toEqual([["level1", 12]]);
    expect(await warnStaleCrls(db())).toBe(1);
    expect(await warnStaleCrls(db())).toBe(0);
    const [notice] = await staleNotices();
    expect(notice.title).toMatch(/^The level1 CRL runs out in 12 days/);
    expect(notice.body).toContain("pki:crl … --number 2");

    // Keys in the directory pki:dev-bootstrap wrote: the workers' renewal re-signs level-1, not the root (a year left).
    const devKeys = path.join(tmp, "dev");
    expect(await renewDevOfflineCrls(db(), devKeys)).toEqual([]);
    await setNextUpdate(5);
    expect(await renewDevOfflineCrls(db(), path.join(tmp, "elsewhere"))).toEqual([]);
    expect(await renewDevOfflineCrls(db(), devKeys)).toEqual(["level1"]);
    const renewed = (await getCa(db(), { name: "level1" }))!;
    expect(renewed.crlNumber).toBe(2);
    expect(renewed.crlNextUpdate!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    write("level1-renewed.crl", renewed.crlPem!);
    expect((await openssl(["crl", "-in", "level1-renewed.crl", "-CAfile", "level1.pem", "-noout"])).out).toMatch(/verify OK/);
    expect(await staleCrls(db())).toEqual([]);

    // An upload whose number is not higher than the published one's would never replace relying parties' copy.
    const again = await offlineCrl({
      caCertPem: renewed.certPem!,
      caKeyPem: fs.readFileSync(path.join(devKeys, "level1.key"), "utf8"),
      days: 30,
      crlNumber: 2,
    });
    await expect(uploadCrl(db(), renewed.id, again)).rejects.toThrow(
      /number \(2\) is not higher than the published one's \(2\): sign it again with --number 3/,
    );
  });

  it("re-signs a CRL with a higher number; sub-CA keys are stored encrypted", async () => {
    const host = (await getCa(db(), { name: "host" }))!;
    const again = await regenerateCrl(db(), host);
    expect(again.crlNumber).toBe(host.crlNumber + 1);
    const [row] = await db().select().from(certificateAuthorities).where(eq(certificateAuthorities.name, "host"));
    expect(row.keyEncrypted).toMatch(/^v1\./);
  });
});
