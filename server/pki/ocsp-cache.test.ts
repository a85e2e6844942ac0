import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificates } from "@/db/schema";
import { loadConfig } from "@/server/config";
import { createOrg } from "@/server/orgs";
import { testDatabase } from "@/test/support/db";
import { openssl as runOpenssl } from "@/test/support/run";
import { getCa, type Ca } from "./ca";
import { createRequest, issue, revoke, type Cert } from "./certs";
import { serveOcspNode } from "./http";
import { listenForOcspChanges } from "./ocsp-cache";
import { devBootstrap } from "./offline";

const db = testDatabase();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-ocsp-"));
let server: http.Server;
let url = "";
let ca: Ca;
let org: { id: string; slug: string };

const openssl = (args: string[]) => runOpenssl(args, tmp).then((r) => r.out);

async function newCert(name: string): Promise<Cert> {
  execFileSync(
    "openssl",
    ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-subj", `/CN=${name}`, "-out", `${name}.csr`],
    { cwd: tmp, stdio: "pipe" },
  );
  const req = await createRequest(db(), {
    ca,
    org,
    user: { id: null as unknown as string, email: null },
    csrPem: fs.readFileSync(path.join(tmp, `${name}.csr`), "utf8"),
    validityDays: 30,
  });
  const cert = req.state === "issued" ? req : await db().transaction((tx) => issue(tx, req, null));
  fs.writeFileSync(path.join(tmp, `${name}.pem`), cert.certPem!);
  return cert;
}

const status = async (name: string) => {
  const out = await openssl(["ocsp", "-issuer", "ca.pem", "-cert", `${name}.pem`, "-url", `${url}/pki/ocsp`, "-CAfile", "chain.pem", "-no_nonce"]);
  expect(out).toMatch(/Response verify OK/);
  return /: (good|revoked|unknown)/.exec(out)?.[1];
};

beforeAll(async () => {
  process.env.ROOKERY_ENCRYPTION_KEY = randomBytes(32).toString("base64");
  loadConfig();
  const o = await createOrg(db(), { name: "Acme", slug: "acme", source: "local" });
  org = { id: o.id, slug: o.slug };
  await devBootstrap(db(), { outDir: path.join(tmp, "offline"), base: "dc=example,dc=ch", orgName: "Acme" });
  ca = (await getCa(db(), { name: "client" }))!;
  fs.writeFileSync(path.join(tmp, "ca.pem"), ca.certPem!);
  const chain = [ca.certPem!];
  for (let c: Ca | null = ca; c?.parentId;) {
    c = await getCa(db(), { id: c.parentId });
    if (c?.certPem) chain.push(c.certPem);
  }
  fs.writeFileSync(path.join(tmp, "chain.pem"), chain.join("\n"));
  server = http.createServer((req, res) => serveOcspNode(req, res) || res.writeHead(404).end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await listenForOcspChanges(db());
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("OCSP straight on node:http, answered from memory", () => {
  it("answers POST and GET, and turns to revoked the moment a certificate is revoked", async () => {
    const cert = await newCert("laptop1");
    expect(await status("laptop1")).toBe("good");
    const reqDer = path.join(tmp, "q.der");
    await openssl(["ocsp", "-issuer", "ca.pem", "-cert", "laptop1.pem", "-no_nonce", "-reqout", reqDer]);
    const get = await fetch(`${url}/pki/ocsp/${encodeURIComponent(fs.readFileSync(reqDer).toString("base64"))}`);
    expect(get.headers.get("content-type")).toBe("application/ocsp-response");
    fs.writeFileSync(path.join(tmp, "r.der"), Buffer.from(await get.arrayBuffer()));
    expect(await openssl(["ocsp", "-respin", "r.der", "-issuer", "ca.pem", "-cert", "laptop1.pem", "-CAfile", "chain.pem", "-no_nonce"])).toMatch(
      /laptop1.pem: good/,
    );

    await db().transaction((tx) => revoke(tx, cert, "keyCompromise"));
    expect(await status("laptop1")).toBe("revoked");
  });

  it("serves from memory until another process announces a change with NOTIFY", async () => {
    const cert = await newCert("laptop2");
    expect(await status("laptop2")).toBe("good");
    // Changed behind the cache's back (no NOTIFY): the answer in memory stands.
    await db()
      .update(certificates)
      .set({ state: "revoked", revokedAt: new Date(), revocationReason: "superseded", ocspResponse: null })
      .where(eq(certificates.id, cert.id));
    expect(await status("laptop2")).toBe("good");
    // Another process (its own connection) announces it: the next answer is read and signed afresh.
    const other = postgres(process.env.DATABASE_URL!, { max: 1 });
    await other`select pg_notify('rookery_pki_serial', ${cert.serial!})`;
    await other.end();
    await expect.poll(() => status("laptop2"), { timeout: 5000 }).toBe("revoked");
  });

  it("answers garbage with malformedRequest and unknown serials with unknown", async () => {
    const bad = await fetch(`${url}/pki/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: "not der" });
    fs.writeFileSync(path.join(tmp, "bad.der"), Buffer.from(await bad.arrayBuffer()));
    expect(await openssl(["ocsp", "-respin", "bad.der", "-resp_text", "-noverify"])).toMatch(/malformedrequest/i);
    const out = await openssl(["ocsp", "-issuer", "ca.pem", "-serial", "0x1234abcd", "-url", `${url}/pki/ocsp`, "-CAfile", "chain.pem", "-no_nonce"]);
    expect(out).toMatch(/0x1234abcd: unknown/);
    const huge = await fetch(`${url}/pki/ocsp`, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: Buffer.alloc(100_000) });
    fs.writeFileSync(path.join(tmp, "huge.der"), Buffer.from(await huge.arrayBuffer()));
    expect(await openssl(["ocsp", "-respin", "huge.der", "-resp_text", "-noverify"])).toMatch(/malformedrequest/i);
  });
});
