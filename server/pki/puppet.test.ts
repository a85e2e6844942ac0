import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, certificates, notifications } from "@/db/schema";
import { createToken } from "@/server/auth/tokens";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser, getUserByUsername, type User } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { openssl as runOpenssl } from "@/test/support/run";
import { callerAs, trpcCode } from "@/test/support/trpc";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { devBootstrap } from "./offline";
import { createAutosignToken, handlePuppetCa } from "./puppet";

const db = testDatabase({ PUBLIC_URL: "http://rookery.test", ROOKERY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-puppet-ca-"));
let server: FetchServer;
let adminAuth: string;
let devAuth: string;

/** An agent's CSR as openssl makes it, optionally with a challengePassword attribute. */
function agentCsr(certname: string, opts: { cn?: string; challenge?: string; alt?: string; exts?: string[] } = {}) {
  const cfg = path.join(tmp, `${certname}.cnf`);
  fs.writeFileSync(
    cfg,
    [
      "[req]",
      "distinguished_name=dn",
      "prompt=no",
      ...(opts.challenge ? ["attributes=attrs"] : []),
      ...(opts.alt || opts.exts ? ["req_extensions=ext"] : []),
      "[dn]",
      `CN=${opts.cn ?? certname}`,
      ...(opts.challenge ? ["[attrs]", `challengePassword=${opts.challenge}`] : []),
      ...(opts.alt || opts.exts ? ["[ext]"] : []),
      ...(opts.alt ? [`subjectAltName=${opts.alt}`] : []),
      ...(opts.exts ?? []),
    ].join("\n"),
  );
  execFileSync("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${certname}.key`, "-config", cfg, "-out", `${certname}.csr`], {
    cwd: tmp,
    stdio: "pipe",
  });
  return fs.readFileSync(path.join(tmp, `${certname}.csr`), "utf8");
}

const api = (p: string, init: RequestInit = {}) => fetch(`${server.url}/puppet-ca/v1/${p}`, init);
const put = (certname: string, csr: string) => api(`certificate_request/${certname}`, { method: "PUT", headers: { "content-type": "text/plain" }, body: csr });

const openssl = (args: string[]) => runOpenssl(args, tmp).then((r) => r.out);

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
    const signed = await (
      await api("sign", {
        method: "POST",
        body: JSON.stringify({ certnames: ["agent9.example.com", "nobody.example.com"] }),
        headers: { authorization: adminAuth },
      })
    ).json();
    expect(signed).toEqual({ signed: ["agent9.example.com"], "no-csr": ["nobody.example.com"], "signing-errors": [] });
  });

  it("revokes through certificate_status and the CRL lists the agent", async () => {
    const raw = await (await api("certificate_status/agent1.example.com", { headers: { authorization: adminAuth } })).text();
    const st = JSON.parse(raw);
    expect(st).toMatchObject({ name: "agent1.example.com", state: "signed", dns_alt_names: ["DNS:puppet", "DNS:agent1"] });
    // The whole serial, as an exact JSON integer (puppetserver's form), not its last 48 bits.
    const serialHex = (await openssl(["x509", "-in", "agent1.pem", "-noout", "-serial"])).trim().replace(/^serial=/, "");
    expect(BigInt(raw.match(/"serial_number":(\d+)/)![1])).toBe(BigInt(`0x${serialHex}`));
    expect(BigInt(`0x${serialHex}`)).toBeGreaterThan(2n ** 64n);
    const res = await api("certificate_status/agent1.example.com", {
      method: "PUT",
      body: JSON.stringify({ desired_state: "revoked" }),
      headers: { authorization: adminAuth },
    });
    expect(res.status).toBe(204);
    fs.writeFileSync(path.join(tmp, "crls.pem"), await (await api("certificate_revocation_list/ca")).text());
    expect(await openssl(["verify", "-crl_check_all", "-CAfile", "bundle.pem", "-CRLfile", "crls.pem", "agent1.pem"])).toMatch(/certificate revoked/);
    expect(
      await openssl(["verify", "-crl_check_all", "-CAfile", "bundle.pem", "-CRLfile", "crls.pem", "-untrusted", "bundle.pem", path.join(tmp, "agent1.pem")]),
    ).toMatch(/revoked/);
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

describe("agent certificates and the Puppet agents view", () => {
  let lead: User, dev: User, betaLead: User, admin: User;
  let acmeId: string;
  const as = (u: User) => callerAs(db)(u).pki.puppet;

  beforeAll(async () => {
    admin = (await getUserByUsername(db(), "pca-admin"))!;
    lead = await createLocalUser(db(), { username: "pca-lead", password: "Sturdy-pass-2026" });
    dev = await createLocalUser(db(), { username: "pca-dev2", password: "Sturdy-pass-2026" });
    betaLead = await createLocalUser(db(), { username: "pca-beta", password: "Sturdy-pass-2026" });
    // The puppet sub-CA's default policy allows {org}.example.com per org.
    acmeId = (await createOrg(db(), { name: "Acme", slug: "acme", source: "local", members: [{ userId: lead.id, role: "leader" }] })).id;
    await addMember(db(), acmeId, "pca-dev2", "developer");
    await createOrg(db(), { name: "Beta", slug: "beta", source: "local", members: [{ userId: betaLead.id, role: "leader" }] });
  });

  it("copies the CSR's pp_* extension requests verbatim and drops every other requested extension", async () => {
    const token = await createAutosignToken(db(), "pp1.example.com", null);
    const csr = agentCsr("pp1.example.com", {
      challenge: token,
      exts: [
        "1.3.6.1.4.1.34380.1.1.13=ASN1:UTF8String:webserver",
        "1.3.6.1.4.1.34380.1.1.12=ASN1:UTF8String:production",
        "1.3.6.1.4.1.34380.1.2.7=ASN1:UTF8String:private-value",
        "1.3.6.1.4.1.34380.1.3.13=ASN1:UTF8String:operator",
        "1.2.3.4.5=ASN1:UTF8String:not-for-agents",
        "basicConstraints=critical,CA:TRUE",
        "nsComment=smuggled",
      ],
    });
    expect((await put("pp1.example.com", csr)).status).toBe(200);
    // pp_auth_role grants rights in auth.conf: never autosigned (the token stays unused), admins sign.
    expect((await api("certificate/pp1.example.com")).status).toBe(404);
    const signed = await api("certificate_status/pp1.example.com", {
      method: "PUT",
      headers: { authorization: adminAuth },
      body: JSON.stringify({ desired_state: "signed" }),
    });
    expect(signed.status).toBe(204);
    fs.writeFileSync(path.join(tmp, "pp1.pem"), await (await api("certificate/pp1.example.com")).text());
    const txt = await openssl(["x509", "-in", "pp1.pem", "-noout", "-text"]);
    expect(txt).toMatch(/1\.3\.6\.1\.4\.1\.34380\.1\.1\.13:\s*\n\s*\.\.webserver/);
    expect(txt).toMatch(/1\.3\.6\.1\.4\.1\.34380\.1\.1\.12:\s*\n\s*\.\nproduction|1\.3\.6\.1\.4\.1\.34380\.1\.1\.12:\s*\n\s*\.\.production/);
    expect(txt).toContain("1.3.6.1.4.1.34380.1.2.7:");
    expect(txt).toContain("1.3.6.1.4.1.34380.1.3.13:");
    expect(txt).not.toContain("1.2.3.4.5");
    expect(txt).not.toContain("smuggled");
    expect(txt).not.toContain("CA:TRUE");
    // What puppetserver gives an agent: CA:FALSE, key usage, both EKUs, SKI and AKI.
    expect(txt).toMatch(/Basic Constraints: critical\s*\n\s*CA:FALSE/);
    expect(txt).toMatch(/Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment/);
    expect(txt).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(txt).toContain("X509v3 Subject Key Identifier");
    expect(txt).toContain("X509v3 Authority Key Identifier");
    expect(await openssl(["verify", "-CAfile", "bundle.pem", "pp1.pem"])).toContain("pp1.pem: OK");
    // The view names them; the API reports the authorization extensions.
    const { agents } = await as(admin).agents({ q: "pp1" });
    expect(agents[0].extensions).toEqual(
      expect.arrayContaining([
        { oid: "1.3.6.1.4.1.34380.1.1.13", name: "pp_role", value: "webserver" },
        { oid: "1.3.6.1.4.1.34380.1.1.12", name: "pp_environment", value: "production" },
        { oid: "1.3.6.1.4.1.34380.1.3.13", name: "pp_auth_role", value: "operator" },
      ]),
    );
    const st = await (await api("certificate_status/pp1.example.com", { headers: { authorization: adminAuth } })).json();
    expect(st.authorization_extensions).toEqual({ pp_auth_role: "operator" });
  });

  it("lets a leader pre-authorize only names in the org's domains; the certificate belongs to the org", async () => {
    const outside = await callerAs(db)(lead)
      .pki.puppet.createToken({ slug: "acme", certname: "web1.beta.example.com" })
      .catch((e: TRPCError) => e);
    expect(outside).toBeInstanceOf(TRPCError);
    expect((outside as TRPCError).code).toBe("BAD_REQUEST");
    expect((outside as TRPCError).message).toMatch(/outside your organization's domains \(acme.example.com\)/);
    expect(await trpcCode(as(dev).createToken({ slug: "acme", certname: "web1.acme.example.com" }))).toBe("FORBIDDEN");
    expect(await trpcCode(as(lead).createToken({ certname: "web1.acme.example.com" }))).toBe("FORBIDDEN");

    const { token } = await as(lead).createToken({ slug: "acme", certname: "web1.acme.example.com" });
    expect((await as(lead).tokens({ slug: "acme" })).map((t) => t.certname)).toEqual(["web1.acme.example.com"]);
    expect(await as(betaLead).tokens({ slug: "beta" })).toEqual([]);
    expect((await put("web1.acme.example.com", agentCsr("web1.acme.example.com", { challenge: token }))).status).toBe(200);
    expect((await api("certificate/web1.acme.example.com")).status).toBe(200);
    const [row] = await db()
      .select()
      .from(certificates)
      .where(and(eq(certificates.commonName, "web1.acme.example.com"), eq(certificates.state, "issued")));
    expect(row.orgId).toBe(acmeId);
    expect(row.decidedBy).toBe(lead.id);
    expect((await as(lead).agents({ slug: "acme" })).agents.map((a) => [a.certname, a.state])).toEqual([["web1.acme.example.com", "signed"]]);
    expect(await as(lead).tokens({ slug: "acme" })).toEqual([]);
  });

  it("queues an untokened request for the org owning the name: its leader signs, others cannot", async () => {
    expect((await put("db1.acme.example.com", agentCsr("db1.acme.example.com"))).status).toBe(200);
    expect((await as(lead).agents({ slug: "acme", state: "requested" })).agents.map((a) => a.certname)).toEqual(["db1.acme.example.com"]);
    expect((await as(betaLead).agents({ slug: "beta" })).agents).toEqual([]);
    const told = await db().select().from(notifications).where(eq(notifications.userId, lead.id));
    expect(told.map((n) => n.title)).toContain("Certificate request for db1.acme.example.com waits for approval");
    expect(await db().select().from(notifications).where(eq(notifications.userId, betaLead.id))).toEqual([]);
    expect(await trpcCode(as(betaLead).sign({ slug: "beta", certname: "db1.acme.example.com" }))).toBe("NOT_FOUND");
    expect(await trpcCode(as(betaLead).sign({ slug: "acme", certname: "db1.acme.example.com" }))).toBe("NOT_FOUND");
    expect(await trpcCode(as(betaLead).sign({ certname: "db1.acme.example.com" }))).toBe("FORBIDDEN");
    expect(await trpcCode(as(dev).sign({ slug: "acme", certname: "db1.acme.example.com" }))).toBe("FORBIDDEN");
    // Not in any org's domains: only administrators see it.
    expect((await put("stray.example.org", agentCsr("stray.example.org"))).status).toBe(200);
    expect((await as(lead).agents({ slug: "acme", q: "stray" })).agents).toEqual([]);
    expect((await as(admin).agents({ q: "stray" })).agents.map((a) => a.state)).toEqual(["requested"]);

    expect(await as(lead).sign({ slug: "acme", certname: "db1.acme.example.com" })).toEqual({ state: "signed" });
    expect((await api("certificate/db1.acme.example.com")).status).toBe(200);
    const [audit] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "pki.puppet.sign"), eq(auditEvents.actorName, "pca-lead")));
    expect(audit).toMatchObject({ outcome: "success", orgId: acmeId, targetType: "certificate" });

    // An alt name outside the org's domains (here the puppet server's own name) is for administrators.
    expect((await put("app1.acme.example.com", agentCsr("app1.acme.example.com", { alt: "DNS:app1.acme.example.com,DNS:puppet" }))).status).toBe(200);
    const wide = await as(lead)
      .sign({ slug: "acme", certname: "app1.acme.example.com" })
      .catch((e: TRPCError) => e);
    expect((wide as TRPCError).message).toMatch(/outside your organization's domains \(puppet\); only an administrator can sign it/);
    // ... also through the generic Certificates page's approval.
    const [app1] = await db().select().from(certificates).where(eq(certificates.commonName, "app1.acme.example.com"));
    const viaApprove = await callerAs(db)(lead)
      .pki.approve({ slug: "acme", id: app1.id })
      .catch((e: TRPCError) => e);
    expect((viaApprove as TRPCError).message).toMatch(/only an administrator can sign it/);
    expect(await as(lead).reject({ slug: "acme", certname: "app1.acme.example.com" })).toEqual({ state: "rejected" });
    // Authorization extensions are for administrators to sign, too.
    expect(
      (await put("ops1.acme.example.com", agentCsr("ops1.acme.example.com", { exts: ["1.3.6.1.4.1.34380.1.3.13=ASN1:UTF8String:operator"] }))).status,
    ).toBe(200);
    const auth = await as(lead)
      .sign({ slug: "acme", certname: "ops1.acme.example.com" })
      .catch((e: TRPCError) => e);
    expect((auth as TRPCError).message).toMatch(/authorization extensions .* only an administrator can sign it/);
    expect(await as(lead).reject({ slug: "acme", certname: "ops1.acme.example.com" })).toEqual({ state: "rejected" });
    expect((await as(lead).agents({ slug: "acme", q: "app1" })).agents).toEqual([]);
    expect((await api("certificate/app1.acme.example.com")).status).toBe(404);

    expect(await as(lead).revoke({ slug: "acme", certname: "db1.acme.example.com" })).toEqual({ state: "revoked" });
    expect((await as(lead).agents({ slug: "acme", state: "revoked" })).agents.map((a) => a.certname)).toEqual(["db1.acme.example.com"]);
  });

  it("does not autosign with a withdrawn token", async () => {
    const { token } = await as(lead).createToken({ slug: "acme", certname: "web2.acme.example.com" });
    const [t] = await as(lead).tokens({ slug: "acme" });
    expect(await trpcCode(as(betaLead).revokeToken({ slug: "beta", id: t.id }))).toBe("NOT_FOUND");
    expect(await as(lead).revokeToken({ slug: "acme", id: t.id })).toEqual({ certname: "web2.acme.example.com" });
    expect((await put("web2.acme.example.com", agentCsr("web2.acme.example.com", { challenge: token }))).status).toBe(200);
    expect((await api("certificate/web2.acme.example.com")).status).toBe(404);
    expect((await as(lead).agents({ slug: "acme", state: "requested" })).agents.map((a) => a.certname)).toEqual(["web2.acme.example.com"]);
  });
});
