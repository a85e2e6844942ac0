import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, count, eq, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificates, notifications } from "@/db/schema";
import { loadConfig } from "@/server/config";
import { stopBoss } from "@/server/jobs";
import { createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { runCrashChild } from "@/test/support/crash-child";
import { testDatabase } from "@/test/support/db";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { freePort } from "@/test/support/ports";
import { openssl as runOpenssl } from "@/test/support/run";
import { getCa, type Ca } from "./ca";
import { createRequest, getCert, issue, revoke, type Cert } from "./certs";
import { handlePki } from "./http";
import { noticeDecided } from "./notices";
import { devBootstrap } from "./offline";

/**
 * The crash suite for certificate issuance: a real child process approves a request and is
 * SIGKILLed at each named point of `issue`; afterwards the request is either still pending
 * (and approves again) or issued exactly once, no two certificates share a serial, and OCSP
 * and the CRL answer for every issued one.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pki-crash-"));
const db = testDatabase({ ROOKERY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
let server: FetchServer;
let host: Ca;
let org: { id: string; slug: string };
let requester: User;
let approver: User;
let n = 0;

const openssl = async (args: string[]) => (await runOpenssl(args, tmp)).out;

async function pendingRequest() {
  const name = `web${++n}`;
  execFileSync(
    "openssl",
    [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-subj",
      `/CN=${name}.acme.example.com`,
      "-out",
      `${name}.csr`,
    ],
    { cwd: tmp, stdio: "pipe" },
  );
  const csrPem = fs.readFileSync(path.join(tmp, `${name}.csr`), "utf8");
  return createRequest(db(), { ca: host, org, user: { id: requester.id, email: requester.email }, validityDays: 90, csrPem });
}

/** The approval as the pki router's `approve` does it, in this process. */
const approve = (cert: Cert) =>
  db().transaction(async (tx) => {
    const row = await issue(tx, cert, approver.id);
    await noticeDecided(tx, row);
    return row;
  });

const approveInChild = (certId: string, crashAt: string) => runCrashChild("test/support/pki-child.ts", [certId, approver.id], crashAt);

/** OCSP's word on an issued certificate, asked over HTTP with openssl and verified up to the root. */
async function ocspStatus(certPem: string) {
  fs.writeFileSync(path.join(tmp, "subject.pem"), certPem);
  const out = await openssl([
    "ocsp",
    "-issuer",
    "host-ca.pem",
    "-cert",
    "subject.pem",
    "-url",
    `${server.url}/pki/ocsp`,
    "-CAfile",
    "root.pem",
    "-verify_other",
    "level1.pem",
    "-no_nonce",
  ]);
  expect(out).toMatch(/Response verify OK/);
  return /subject.pem: (\w+)/.exec(out)?.[1];
}

const issuedNotices = async () =>
  (
    await db()
      .select({ n: count() })
      .from(notifications)
      .where(and(eq(notifications.userId, requester.id), eq(notifications.kind, "pki.request_decided")))
  )[0].n;

async function assertInvariants() {
  const serials = await db().select({ serial: certificates.serial }).from(certificates).where(isNotNull(certificates.serial));
  expect(new Set(serials.map((s) => s.serial)).size).toBe(serials.length);
  for (const c of await db().select().from(certificates)) {
    expect(["pending", "issued", "revoked"]).toContain(c.state);
    expect(c.state === "pending", `${c.commonName} ${c.state}`).toBe(c.serial === null && c.certPem === null);
    if (c.state !== "pending") expect(await ocspStatus(c.certPem!)).toBe(c.state === "issued" ? "good" : "revoked");
  }
  // one "issued" notice per issued certificate: the notice commits with the issuance or not at all
  const decided = await db().select({ n: count() }).from(certificates).where(isNotNull(certificates.serial));
  expect(await issuedNotices()).toBe(decided[0].n);
}

beforeAll(async () => {
  const port = await freePort();
  process.env.PUBLIC_URL = `http://127.0.0.1:${port}`;
  loadConfig();
  server = await serveFetch((req) => handlePki(req, new URL(req.url).pathname.split("/").slice(2)), port);
  const o = await createOrg(db(), { name: "Acme", slug: "acme", source: "local" });
  org = { id: o.id, slug: o.slug };
  requester = await createLocalUser(db(), { username: "pki-requester", password: "Crash-pass-2026", email: "rita@acme.example.com" });
  approver = await createLocalUser(db(), { username: "pki-approver", password: "Crash-pass-2026", isAdmin: true });
  await devBootstrap(db(), { outDir: path.join(tmp, "dev"), base: "dc=example,dc=ch", orgName: "Test" });
  host = (await getCa(db(), { name: "host" }))!;
  for (const [file, url] of [
    ["root.pem", "root/ca.pem"],
    ["level1.pem", "level1/ca.pem"],
    ["host-ca.pem", "host/ca.pem"],
  ])
    fs.writeFileSync(path.join(tmp, file), await (await fetch(`${server.url}/pki/${url}`)).text());
});

afterAll(async () => {
  await server?.close();
  await stopBoss();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("certificate issuance killed at each point", { timeout: 60_000 }, () => {
  it("without a crash, the child issues and OCSP answers good (the reference)", async () => {
    const req = await pendingRequest();
    const r = await approveInChild(req.id, "");
    expect(r, r.output).toMatchObject({ code: 0, signal: null });
    expect((await getCert(db(), req.id))!).toMatchObject({ state: "issued", decidedBy: approver.id });
    await assertInvariants();
  });

  for (const point of ["pki-issue:after-sign", "pki-issue:before-commit"]) {
    it(`${point}: the request stays pending, nothing of the signed certificate is left, it approves again`, async () => {
      const req = await pendingRequest();
      const r = await approveInChild(req.id, point);
      expect(r.signal, r.output).toBe("SIGKILL");
      const after = (await getCert(db(), req.id))!;
      expect(after).toMatchObject({ state: "pending", serial: null, certPem: null, ocspResponse: null, decidedAt: null });
      await assertInvariants();

      const again = await approve(after);
      expect(again.state).toBe("issued");
      expect(await ocspStatus(again.certPem!)).toBe("good");
      await assertInvariants();
    });
  }

  it("pki-issue:after-commit: issued once, answered by OCSP, cannot be issued twice, revocation reaches the CRL", async () => {
    const req = await pendingRequest();
    const r = await approveInChild(req.id, "pki-issue:after-commit");
    expect(r.signal, r.output).toBe("SIGKILL");
    const issued = (await getCert(db(), req.id))!;
    expect(issued).toMatchObject({ state: "issued", decidedBy: approver.id });
    expect(await ocspStatus(issued.certPem!)).toBe("good");
    // a second approval (the approver retrying after the lost answer) is refused, no second serial
    await expect(approve({ ...issued, state: "pending" })).rejects.toThrow(/decided by someone else/);
    await assertInvariants();

    await db().transaction((tx) => revoke(tx, issued, "superseded"));
    const crl = await fetch(`${server.url}/pki/host/crl`);
    fs.writeFileSync(path.join(tmp, "host.crl"), Buffer.from(await crl.arrayBuffer()));
    const crlText = await openssl(["crl", "-inform", "DER", "-in", "host.crl", "-noout", "-text"]);
    expect(crlText.replace(/:/g, "").toLowerCase()).toContain(issued.serial!);
    await assertInvariants();
  });
});
