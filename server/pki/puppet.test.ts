import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { createLocalUser } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { devBootstrap } from "./offline";
import { createAutosignToken, handlePuppetCa } from "./puppet";

const db = testDatabase({ PUBLIC_URL: "http://rookery.test", ROOKERY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-puppet-ca-"));
let server: FetchServer;
let adminAuth: string;
let devAuth: string;

/** An agent's CSR as openssl makes it, optionally with a challengePassword attribute. */
function agentCsr(certname: string, opts: { cn?: string; challenge?: string; alt?: string } = {}) {
  const cfg = path.join(tmp, `${certname}.cnf`);
  fs.writeFileSync(
    cfg,
    [
      "[req]",
      "distinguished_name=dn",
      "prompt=no",
      ...(opts.challenge ? ["attributes=attrs"] : []),
      ...(opts.alt ? ["req_extensions=ext"] : []),
      "[dn]",
      `CN=${opts.cn ?? certname}`,
      ...(opts.challenge ? ["[attrs]", `challengePassword=${opts.challenge}`] : []),
      ...(opts.alt ? ["[ext]", `subjectAltName=${opts.alt}`] : []),
    ].join("\n"),
  );
  execFileSync("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${certname}.key`, "-config", cfg, "-out", `${certname}.csr`], { cwd: tmp, stdio: "pipe" });
  return fs.readFileSync(path.join(tmp, `${certname}.csr`), "utf8");
}

const api = (p: string, init: RequestInit = {}) => fetch(`${server.url}/puppet-ca/v1/${p}`, init);
const put = (certname: string, csr: string) => api(`certificate_request/${certname}`, { method: "PUT", headers: { "content-type": "text/plain" }, body: csr });

function openssl(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn("openssl", args, { cwd: tmp });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("close", () => resolve(out));
  });
}

beforeAll(async () => {
  await devBootstrap(db(), { outDir: path.join(tmp, "offline"), base: "dc=example,dc=com", orgName: "Test" });
  const admin = await createLocalUser(db(), { username: "pca-admin", password: "Sturdy-pass-2026", isAdmin: true });
  const dev = await createLocalUser(db(), { username: "pca-dev", password: "Sturdy-pass-2026" });
  const t = await createToken(db(), { userId: admin.id, name: "puppet", scope: "write", expiresAt: null });
  const d = await createToken(db(), { userId: dev.id, name: "puppet", scope: "write", expiresAt: null });
  adminAuth = `Basic ${Buffer.from(`pca-admin:${t.token}`).toString("base64")}`;
  devAuth = `Basic ${Buffer.from(`pca-dev:${d.token}`).toString("base64")}`;
  server = await serveFetch((req) => handlePuppetCa(req, new URL(req.url).pathname.split("/").slice(3)));
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("Puppet CA v1 API", () => {
  it("serves the whole CA bundle and one CRL per CA in it", async () => {
    const bundle = await (await api("certificate/ca")).text();
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    fs.writeFileSync(path.join(tmp, "bundle.pem"), bundle);
    const crls = await (await api("certificate_revocation_list/ca")).text();
    expect(crls.match(/BEGIN X509 CRL/g)).toHaveLength(3);
  });

  it("autosigns a CSR whose challengePassword is a valid one-time token", async () => {
    const token = await createAutosignToken(db(), "agent1.example.com", null);
    const res = await put("agent1.example.com", agentCsr("agent1.example.com", { challenge: token, alt: "DNS:puppet,DNS:agent1" }));
    expect(res.status).toBe(200);
    const cert = await api("certificate/agent1.example.com");
    expect(cert.status).toBe(200);
    fs.writeFileSync(path.join(tmp, "agent1.pem"), await cert.text());
    expect(await openssl(["verify", "-CAfile", "bundle.pem", "agent1.pem"])).toContain("agent1.pem: OK");
    const txt = await openssl(["x509", "-in", "agent1.pem", "-noout", "-text"]);
    expect(txt).toMatch(/CA:FALSE/);
    expect(txt).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(txt).toMatch(/DNS:agent1.example.com, DNS:puppet, DNS:agent1/);
    expect(txt).toMatch(/Subject: CN = agent1.example.com/);

    // The token is spent: another host presenting it waits for a person.
    const reuse = await put("agent9.example.com", agentCsr("agent9.example.com", { challenge: token }));
    expect(reuse.status).toBe(200);
    expect((await api("certificate/agent9.example.com")).status).toBe(404);
    // A second CSR for a certname that has a certificate: 400, as puppetserver.
    const dup = await put("agent1.example.com", agentCsr("agent1b", { cn: "agent1.example.com" }));
    expect(dup.status).toBe(400);
    expect(await dup.text()).toContain("agent1.example.com already has a signed certificate; ignoring certificate request");
  });

  it("refuses mismatched or invalid CSRs with a 400 and a reason", async () => {
    const mismatch = await put("agent2.example.com", agentCsr("other", { cn: "other.example.com" }));
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toMatch(/does not match requested key "agent2.example.com"/);
    const garbage = await put("agent2.example.com", "hello");
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).toMatch(/not a certificate signing request/);
  });

  it("keeps an untokened request waiting until an admin signs it; agents cannot sign", async () => {
    expect((await put("agent3.example.com", agentCsr("agent3.example.com"))).status).toBe(200);
    expect((await api("certificate/agent3.example.com")).status).toBe(404);
    expect(await (await api("certificate_request/agent3.example.com")).text()).toContain("BEGIN CERTIFICATE REQUEST");
    const body = JSON.stringify({ desired_state: "signed" });
    expect((await api("certificate_status/agent3.example.com", { method: "PUT", body })).status).toBe(403);
    expect((await api("certificate_status/agent3.example.com", { method: "PUT", body, headers: { authorization: devAuth } })).status).toBe(403);
    const waiting = await (await api("certificate_statuses/any?state=requested", { headers: { authorization: adminAuth } })).json();
    expect(waiting.map((s: { name: string }) => s.name).sort()).toEqual(["agent3.example.com", "agent9.example.com"]);
    expect((await api("certificate_status/agent3.example.com", { method: "PUT", body, headers: { authorization: adminAuth } })).status).toBe(204);
    expect((await api("certificate/agent3.example.com")).status).toBe(200);
    const signed = await (await api("sign", { method: "POST", body: JSON.stringify({ certnames: ["agent9.example.com", "nobody.example.com"] }), headers: { authorization: adminAuth } })).json();
    expect(signed).toEqual({ signed: ["agent9.example.com"], "no-csr": ["nobody.example.com"], "signing-errors": [] });
  });

  it("revokes through certificate_status and the CRL lists the agent", async () => {
    const st = await (await api("certificate_status/agent1.example.com", { headers: { authorization: adminAuth } })).json();
    expect(st).toMatchObject({ name: "agent1.example.com", state: "signed", dns_alt_names: ["DNS:puppet", "DNS:agent1"] });
    const res = await api("certificate_status/agent1.example.com", { method: "PUT", body: JSON.stringify({ desired_state: "revoked" }), headers: { authorization: adminAuth } });
    expect(res.status).toBe(204);
    fs.writeFileSync(path.join(tmp, "crls.pem"), await (await api("certificate_revocation_list/ca")).text());
    expect(await openssl(["verify", "-crl_check_all", "-CAfile", "bundle.pem", "-CRLfile", "crls.pem", "agent1.pem"])).toMatch(/certificate revoked/);
    expect(await openssl(["verify", "-crl_check_all", "-CAfile", "bundle.pem", "-CRLfile", "crls.pem", "-untrusted", "bundle.pem", path.join(tmp, "agent1.pem")])).toMatch(/revoked/);
    const after = await (await api("certificate_status/agent1.example.com", { headers: { authorization: adminAuth } })).json();
    expect(after.state).toBe("revoked");
  });
});

describe("the Puppet CA TLS listener", () => {
  it("serves the API over HTTPS with a puppet sub-CA certificate for its configured names", async () => {
    const { startPuppetCaListener } = await import("./puppet-listener");
    const logs: string[] = [];
    const listener = (await startPuppetCaListener({ port: 0, host: "127.0.0.1", dnsNames: ["puppet.test", "localhost", "127.0.0.1"] }, (l) => logs.push(l)))!;
    try {
      const bundle = fs.readFileSync(path.join(tmp, "bundle.pem"), "utf8");
      const { request } = await import("node:https");
      const get = (host: string, servername?: string) =>
        new Promise<{ status: number; body: string; san: string | undefined }>((resolve, reject) => {
          const r = request({ host, port: listener.port, path: "/puppet-ca/v1/certificate/ca", ca: bundle, servername }, (res) => {
            const san = (res.socket as import("node:tls").TLSSocket).getPeerCertificate().subjectaltname;
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode!, body, san }));
          });
          r.on("error", reject);
          r.end();
        });
      // Verified against the downloaded bundle, by IP and by name.
      const byIp = await get("127.0.0.1");
      expect(byIp.status).toBe(200);
      expect(byIp.body.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
      expect(byIp.san).toContain("IP Address:127.0.0.1");
      expect((await get("127.0.0.1", "localhost")).status).toBe(200);
      await expect(get("127.0.0.1", "wrong.example")).rejects.toThrow(/altnames|Hostname/);
      expect(logs.join("\n")).toContain("Puppet CA API on https://puppet.test:");
    } finally {
      await listener.close();
    }
  });
});
