import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, certificateAuthorities, certificates, notifications } from "@/db/schema";
import { warnExpiring } from "@/server/pki/notices";
import { addMember, createOrg } from "@/server/orgs";
import { devBootstrap } from "@/server/pki/offline";
import { createLocalUser, type User } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { callerAs, trpcCode } from "@/test/support/trpc";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pki-router-"));
const db = testDatabase({ PUBLIC_URL: "http://rookery.test", ROOKERY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
const pw = "Sturdy-pass-2026";
const as = (u: User) => callerAs(db)(u).pki;
let admin: User, lead: User, dev: User, dev2: User, rep: User, outsider: User;
let cas: Record<string, string>;

function csr(name: string, subj: string, san?: string) {
  const args = ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-subj", subj, "-out", `${name}.csr`];
  if (san) args.push("-addext", `subjectAltName=${san}`);
  execFileSync("openssl", args, { cwd: tmp, stdio: "pipe" });
  return fs.readFileSync(path.join(tmp, `${name}.csr`), "utf8");
}

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    return { code: e.code, field: (e.cause as { field?: string } | undefined)?.field, message: e.message };
  }
  throw new Error("expected a failure");
}

beforeAll(async () => {
  admin = await createLocalUser(db(), { username: "pk-admin", password: pw, isAdmin: true });
  lead = await createLocalUser(db(), { username: "pk-lead", password: pw, email: "lead@acme.example.com" });
  dev = await createLocalUser(db(), { username: "pk-dev", password: pw, email: "dev@acme.example.com" });
  dev2 = await createLocalUser(db(), { username: "pk-dev2", password: pw });
  rep = await createLocalUser(db(), { username: "pk-rep", password: pw });
  outsider = await createLocalUser(db(), { username: "pk-out", password: pw });
  const org = await createOrg(db(), { name: "Acme", slug: "acme", source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db(), org.id, "pk-dev", "developer");
  await addMember(db(), org.id, "pk-dev2", "developer");
  await addMember(db(), org.id, "pk-rep", "reporter");
  await devBootstrap(db(), { outDir: path.join(tmp, "offline"), base: "dc=example,dc=com", orgName: "Test" });
  cas = Object.fromEntries((await db().select().from(certificateAuthorities)).map((c) => [c.name, c.id]));
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("pki router", () => {
  it("keeps CA administration to admins and never returns keys", async () => {
    expect(await trpcCode(as(dev).cas())).toBe("FORBIDDEN");
    const list = await as(admin).cas();
    expect(list.map((c) => c.name).sort()).toEqual(["client", "host", "level1", "puppet", "root", "user"]);
    expect(JSON.stringify(list)).not.toMatch(/PRIVATE KEY|keyEncrypted|v1\./);
    const dup = await failure(as(admin).importRoot({ pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" }));
    expect(dup).toMatchObject({ code: "BAD_REQUEST", field: "certificate" });
    const created = await as(admin).createSubCa({ name: "vpn", subject: "CN=VPN CA,O=Test", parentId: cas.level1, kind: "client", key: "ec:P-256" });
    expect(created.status).toBe("pending");
    const { csrPem } = await as(admin).caCsr({ id: created.id });
    expect(csrPem).toContain("BEGIN CERTIFICATE REQUEST");
    const bad = await failure(as(admin).installCertificate({ id: created.id, pem: "garbage" }));
    expect(bad.message).toMatch(/not a PEM certificate/);
    expect((await as(admin).cas()).find((c) => c.name === "vpn")!.status).toBe("pending");
    expect(await trpcCode(as(lead).createSubCa({ name: "x", subject: "CN=x", parentId: cas.level1, kind: "host" }))).toBe("FORBIDDEN");
    expect(await trpcCode(as(lead).puppet.createToken({ certname: "agent.example.com" }))).toBe("FORBIDDEN");
    const t = await as(admin).puppet.createToken({ certname: "Agent.Example.com" });
    expect(t).toMatchObject({ certname: "agent.example.com" });
    expect(t.token.length).toBeGreaterThan(20);
    expect((await failure(as(admin).puppet.createToken({ certname: "bad name" }))).field).toBe("certname");
  });

  it("issues at once on an auto-approval CA and hides other people's certificates", async () => {
    const r = await as(dev).request({ slug: "acme", caId: cas.user, csrPem: csr("dev-user", "/CN=Dev Eloper"), validityDays: 365 });
    expect(r.state).toBe("issued");
    expect(r.certPem).toContain("BEGIN CERTIFICATE");
    expect(r.chainPem!.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    fs.writeFileSync(path.join(tmp, "dev-user.pem"), r.certPem!);
    const text = execFileSync("openssl", ["x509", "-in", "dev-user.pem", "-noout", "-text"], { cwd: tmp, encoding: "utf8" });
    expect(text).toContain("email:dev@acme.example.com");
    expect(text).toMatch(/TLS Web Client Authentication, E-mail Protection/);
    expect(text).toContain("URI:http://rookery.test/pki/user/crl");

    expect((await as(dev2).list({ slug: "acme" })).certs).toHaveLength(0);
    expect(await trpcCode(as(dev2).get({ slug: "acme", id: r.id }))).toBe("NOT_FOUND");
    expect((await as(lead).list({ slug: "acme" })).certs.map((c) => c.commonName)).toEqual(["Dev Eloper"]);
    expect(await trpcCode(as(outsider).list({ slug: "acme" }))).toBe("NOT_FOUND");
    expect(await trpcCode(as(rep).request({ slug: "acme", caId: cas.user, csrPem: csr("rep", "/CN=Rep"), validityDays: 10 }))).toBe("FORBIDDEN");
    // Someone else's e-mail in a user certificate is refused.
    const other = await failure(
      as(dev2).request({ slug: "acme", caId: cas.user, csrPem: csr("dev2", "/CN=Dev Two", "email:dev@acme.example.com"), validityDays: 10 }),
    );
    expect(other).toMatchObject({ code: "BAD_REQUEST", field: "csr" });
    expect(other.message).toMatch(/only carry your own e-mail address/);
  });

  it("waits for a leader on the host CA: approve issues, reject records the reason", async () => {
    const pending = await as(dev).request({ slug: "acme", caId: cas.host, csrPem: csr("web", "/CN=web.acme.example.com"), validityDays: 90 });
    expect(pending.state).toBe("pending");
    expect(pending.certPem).toBeNull();
    expect((await as(dev).get({ slug: "acme", id: pending.id })).canApprove).toBe(false);
    expect(await trpcCode(as(dev).approve({ slug: "acme", id: pending.id }))).toBe("FORBIDDEN");
    const queue = await as(lead).list({ slug: "acme", state: "pending" });
    expect(queue.certs.map((c) => c.id)).toEqual([pending.id]);
    expect((await as(lead).approve({ slug: "acme", id: pending.id })).state).toBe("issued");
    expect(await trpcCode(as(lead).approve({ slug: "acme", id: pending.id }))).toBe("BAD_REQUEST");

    const second = await as(dev).request({ slug: "acme", caId: cas.host, csrPem: csr("api", "/CN=api.acme.example.com"), validityDays: 90 });
    expect((await failure(as(lead).reject({ slug: "acme", id: second.id, reason: "" }))).code).toBe("BAD_REQUEST");
    await as(lead).reject({ slug: "acme", id: second.id, reason: "Use the load balancer's name" });
    const rejected = await as(dev).get({ slug: "acme", id: second.id });
    expect(rejected.cert).toMatchObject({ state: "rejected", rejectReason: "Use the load balancer's name" });

    // The same name again while valid: renew it instead; a renewal keeps the subject.
    const again = await failure(as(dev).request({ slug: "acme", caId: cas.host, csrPem: csr("web2", "/CN=web.acme.example.com"), validityDays: 90 }));
    expect(again.message).toMatch(/Renew that one/);
    const wrongName = await failure(
      as(dev).request({ slug: "acme", caId: cas.host, csrPem: csr("web3", "/CN=other.acme.example.com"), validityDays: 90, renewalOf: pending.id }),
    );
    expect(wrongName.message).toMatch(/must be web.acme.example.com/);
    const renewal = await as(dev).request({
      slug: "acme",
      caId: cas.host,
      csrPem: csr("web4", "/CN=web.acme.example.com"),
      validityDays: 90,
      renewalOf: pending.id,
    });
    expect(renewal.state).toBe("pending");
  });

  it("lets admins change a sub-CA's policy, which the next request follows", async () => {
    const client = (await as(admin).cas()).find((c) => c.name === "client")!;
    const policy = { ...client.policy!, approval: "admin" as const, rsaMinBits: 3072 };
    expect(await trpcCode(as(lead).updatePolicy({ id: client.id, policy }))).toBe("FORBIDDEN");
    expect(await trpcCode(as(admin).updatePolicy({ id: client.id, policy: { ...policy, rsaMinBits: 1024 } }))).toBe("BAD_REQUEST");
    await as(admin).updatePolicy({ id: client.id, policy });
    const weak = await failure(as(dev).request({ slug: "acme", caId: cas.client, csrPem: csr("svc", "/CN=svc"), validityDays: 30 }));
    expect(weak.message).toMatch(/RSA 2048.*at least 3072 bits/);
    execFileSync("openssl", ["req", "-new", "-newkey", "rsa:3072", "-nodes", "-keyout", "svc3.key", "-subj", "/CN=svc", "-out", "svc3.csr"], {
      cwd: tmp,
      stdio: "pipe",
    });
    const waiting = await as(dev).request({ slug: "acme", caId: cas.client, csrPem: fs.readFileSync(path.join(tmp, "svc3.csr"), "utf8"), validityDays: 30 });
    expect(waiting.state).toBe("pending");
    // Approval by administrators: a leader may not, an admin may.
    expect(await trpcCode(as(lead).approve({ slug: "acme", id: waiting.id }))).toBe("FORBIDDEN");
    expect((await as(admin).approve({ slug: "acme", id: waiting.id })).state).toBe("issued");
  });

  it("tells leaders about waiting requests, requesters about decisions, and warns 30 and 7 days before expiry", async () => {
    const mine = (n: string) => db().select().from(notifications).where(eq(notifications.userId, n));
    expect((await mine(lead.id)).some((x) => x.kind === "pki.request_pending" && x.title.includes("web.acme.example.com"))).toBe(true);
    expect((await mine(dev.id)).filter((x) => x.kind === "pki.request_decided").map((x) => x.title)).toEqual(
      expect.arrayContaining([expect.stringContaining("is issued"), expect.stringContaining("was rejected")]),
    );
    const now = new Date();
    const [cert] = await db()
      .select()
      .from(certificates)
      .where(and(eq(certificates.commonName, "svc"), eq(certificates.state, "issued")));
    await db()
      .update(certificates)
      .set({ notAfter: new Date(now.getTime() + 20 * 86_400_000) })
      .where(eq(certificates.id, cert.id));
    expect(await warnExpiring(db(), now)).toBe(1);
    expect(await warnExpiring(db(), now)).toBe(0);
    expect(await warnExpiring(db(), new Date(now.getTime() + 14 * 86_400_000))).toBe(1);
    const warnings = (await mine(dev.id)).filter((x) => x.kind === "pki.cert_expiring").map((x) => x.title);
    expect(warnings).toEqual(expect.arrayContaining(["Certificate svc expires in 20 days", "Certificate svc expires in 6 days"]));
    expect((await mine(lead.id)).some((x) => x.kind === "pki.cert_expiring")).toBe(true);
  });

  it("revokes with a reason: the requester their own, leaders any; everything audited", async () => {
    const mine = (await as(dev).list({ slug: "acme", state: "issued" })).certs;
    const web = mine.find((c) => c.commonName === "web.acme.example.com")!;
    expect(await trpcCode(as(dev2).revoke({ slug: "acme", id: web.id, reason: "keyCompromise" }))).toBe("NOT_FOUND");
    await as(dev).revoke({ slug: "acme", id: web.id, reason: "superseded" });
    const user = mine.find((c) => c.commonName === "Dev Eloper")!;
    await as(lead).revoke({ slug: "acme", id: user.id, reason: "affiliationChanged" });
    expect((await as(lead).list({ slug: "acme", state: "revoked" })).total).toBe(2);
    expect(await trpcCode(as(lead).revoke({ slug: "acme", id: web.id, reason: "superseded" }))).toBe("BAD_REQUEST");
    expect((await as(lead).list({ slug: "acme", q: web.serial! })).certs.map((c) => c.id)).toEqual([web.id]);

    const audited = await db()
      .select({ action: auditEvents.action, outcome: auditEvents.outcome, targetId: auditEvents.targetId })
      .from(auditEvents)
      .where(and(like(auditEvents.action, "pki.%"), eq(auditEvents.outcome, "success")));
    const actions = audited.map((a) => a.action);
    for (const a of ["pki.request", "pki.approve", "pki.reject", "pki.revoke", "pki.createSubCa"]) expect(actions).toContain(a);
    expect(audited.find((a) => a.action === "pki.revoke" && a.targetId === web.serial)).toBeTruthy();
  });
});
