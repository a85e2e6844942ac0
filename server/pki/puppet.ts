import { createHash, randomBytes } from "node:crypto";
import { and, asc, count, desc, eq, gt, ilike, isNull, ne, sql, type SQL } from "drizzle-orm";
import { getDb, type DbOrTx } from "@/db/client";
import { certificates, organizations, puppetAutosignTokens, users } from "@/db/schema";
import { actorFromUser, userFromAuthorizationHeader } from "@/server/auth/credentials";
import { can } from "@/server/auth/policy";
import { recordAudit } from "@/server/audit";
import { chainPem, getCa, type Ca } from "./ca";
import { issue, reject, revoke, type Cert } from "./certs";
import * as x509 from "./lib";
import { domainsFor, inDomains } from "./policy";
import { noticeRequestPending } from "./notices";
import { describePuppetExtensions, isAuthorizationExtension, requestsAuthorization } from "./puppet-ext";
import { describeKey, parseCertificate, parseCsr, PkiInputError, publicKeyInfo, type RevocationReason } from "./x509";
import { clientAddress } from "@/server/security/front-door";

/**
 * The Puppet CA v1 HTTP API (what puppetserver's CA answers) on the `puppet` sub-CA, so a
 * stock `puppet agent` bootstraps against Rookery, and the domain functions the Puppet agents
 * view shares with it. Agents are anonymous; signing, revoking and the status listings over
 * the API need the credentials (Basic or Bearer token) of a user the policy lets manage the CA.
 */
const PUPPET_CA = "puppet";
const certnamePattern = /^[a-z0-9._-]{1,253}$/;
const CHALLENGE_PASSWORD = "1.2.840.113549.1.9.7";

const text = (body: string, status = 200) => new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
/** JSON whose bigints are written as exact integer literals, as puppetserver writes serial numbers. */
function jsonText(body: unknown): string {
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? `\u0000bigint:${v}` : v)).replace(/"\\u0000bigint:(\d+)"/g, "$1");
}
const json = (body: unknown, status = 200) => new Response(jsonText(body), { status, headers: { "content-type": "application/json" } });

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export type AgentOrg = { id: string; slug: string };
export type AgentState = "requested" | "signed" | "revoked";
const dbState = { requested: "pending", signed: "issued", revoked: "revoked" } as const;

export async function puppetCa(db: DbOrTx): Promise<Ca | null> {
  const ca = await getCa(db, { name: PUPPET_CA });
  return ca?.status === "active" && ca.policy ? ca : null;
}

async function requirePuppetCa(db: DbOrTx): Promise<Ca> {
  const ca = await puppetCa(db);
  if (!ca) throw new PkiInputError("certname", "There is no active puppet sub-CA yet: an administrator creates it under Admin → PKI");
  return ca;
}

/** The domains an org's agents live in: the puppet sub-CA's allowed SAN domains for that org. */
export function agentDomains(ca: Ca, org: AgentOrg): string[] {
  return domainsFor(ca.policy!, org.slug);
}

/**
 * The org a certname belongs to: the only (unarchived) org whose puppet domains contain it.
 * Null when none or several do (then only administrators decide).
 */
export async function orgForCertname(db: DbOrTx, ca: Ca, certname: string): Promise<string | null> {
  const orgs = await db.select({ id: organizations.id, slug: organizations.slug }).from(organizations).where(isNull(organizations.archivedAt));
  const matches = orgs.filter((o) => inDomains(certname, agentDomains(ca, o)));
  return matches.length === 1 ? matches[0].id : null;
}

/**
 * A one-time autosign token for a certname (shown once; valid `days`). With `org` (a leader
 * pre-authorizing), the certname must lie in that org's domains and the certificate will
 * belong to the org.
 */
export async function createAutosignToken(db: DbOrTx, certname: string, createdBy: string | null, days = 7, org: AgentOrg | null = null) {
  if (!certnamePattern.test(certname)) throw new PkiInputError("certname", "A certname is a lowercase host name such as web1.example.com");
  const ca = await requirePuppetCa(db);
  let orgId = org?.id ?? null;
  if (org) {
    const domains = agentDomains(ca, org);
    if (!domains.length)
      throw new PkiInputError("certname", "The puppet CA allows no domains for your organization; ask an administrator to pre-authorize this host");
    if (!inDomains(certname, domains)) throw new PkiInputError("certname", `${certname} is outside your organization's domains (${domains.join(", ")})`);
  } else orgId = await orgForCertname(db, ca, certname);
  const cur = await latest(db, ca, certname);
  if (cur?.state === "issued" && cur.notAfter && cur.notAfter > new Date())
    throw new PkiInputError("certname", `${certname} already has a signed certificate: revoke it first if the host is being rebuilt`);
  const token = randomBytes(24).toString("base64url");
  await db
    .insert(puppetAutosignTokens)
    .values({ certname, orgId, tokenHash: hashToken(token), createdBy, expiresAt: new Date(Date.now() + days * 86_400_000) });
  return token;
}

/** Marks the token used when it matches; null otherwise. */
async function consumeToken(db: DbOrTx, certname: string, token: string) {
  const [row] = await db
    .update(puppetAutosignTokens)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(puppetAutosignTokens.certname, certname),
        eq(puppetAutosignTokens.tokenHash, hashToken(token)),
        isNull(puppetAutosignTokens.usedAt),
        gt(puppetAutosignTokens.expiresAt, new Date()),
      ),
    )
    .returning();
  return row ?? null;
}

/** Outstanding (unused, unexpired) tokens, of one org or all. */
export async function listAutosignTokens(db: DbOrTx, orgId: string | null) {
  const conds = [isNull(puppetAutosignTokens.usedAt), gt(puppetAutosignTokens.expiresAt, new Date())];
  if (orgId) conds.push(eq(puppetAutosignTokens.orgId, orgId));
  return db
    .select({
      id: puppetAutosignTokens.id,
      certname: puppetAutosignTokens.certname,
      org: organizations.slug,
      createdBy: users.username,
      createdAt: puppetAutosignTokens.createdAt,
      expiresAt: puppetAutosignTokens.expiresAt,
    })
    .from(puppetAutosignTokens)
    .leftJoin(users, eq(users.id, puppetAutosignTokens.createdBy))
    .leftJoin(organizations, eq(organizations.id, puppetAutosignTokens.orgId))
    .where(and(...conds))
    .orderBy(asc(puppetAutosignTokens.expiresAt))
    .limit(200);
}

/** Withdraws an outstanding token (of this org, when given); the certname it was for, or null. */
export async function revokeAutosignToken(outer: DbOrTx, id: string, orgId: string | null) {
  // one transaction: a failure leaves nothing half-done
  return outer.transaction(async (db) => {
    const conds = [eq(puppetAutosignTokens.id, id), isNull(puppetAutosignTokens.usedAt)];
    if (orgId) conds.push(eq(puppetAutosignTokens.orgId, orgId));
    const [row] = await db
      .delete(puppetAutosignTokens)
      .where(and(...conds))
      .returning();
    return row?.certname ?? null;
  });
}

/** The newest row for a certname on the puppet CA (request or certificate). */
async function latest(db: DbOrTx, ca: Ca, certname: string): Promise<Cert | null> {
  const [row] = await db
    .select()
    .from(certificates)
    .where(and(eq(certificates.caId, ca.id), eq(certificates.commonName, certname)))
    .orderBy(desc(certificates.createdAt))
    .limit(1);
  return row ?? null;
}

/** An agent by certname as the UI and the API see it (never a rejected request). */
export async function findAgent(db: DbOrTx, ca: Ca, certname: string): Promise<Cert | null> {
  const cur = await latest(db, ca, certname);
  return cur && cur.state !== "rejected" ? cur : null;
}

function challengePassword(csr: x509.Pkcs10CertificateRequest): string | null {
  const attr = csr.attributes.find((a) => a.type === CHALLENGE_PASSWORD);
  return attr instanceof x509.ChallengePasswordAttribute ? attr.password : null;
}

/**
 * Accepts an agent's CSR: CN = certname, strong key, DNS alt names only; autosigns on a valid
 * token unless it asks for authorization extensions. The request belongs to the token's org,
 * else to the one org whose domains hold the certname.
 */
export async function submitCsr(db: DbOrTx, ca: Ca, certname: string, pem: string): Promise<{ cert: Cert; autosigned: boolean }> {
  const csr = parseCsr(pem);
  if (!(await csr.verify())) throw new PkiInputError("csr", "CSR signature does not match its content");
  const cn = csr.subjectName.getField("CN");
  if (cn.length !== 1 || cn[0] !== certname) throw new PkiInputError("csr", `Instance name "${cn.join(",")}" does not match requested key "${certname}"`);
  const policy = ca.policy!;
  const key = publicKeyInfo(csr.publicKey.rawData);
  if (!((key.type === "rsa" && key.bits >= policy.rsaMinBits) || (key.type === "ec" && (policy.ecCurves as string[]).includes(key.curve))))
    throw new PkiInputError("csr", `CSR key ${describeKey(key)} is too weak: at least RSA ${policy.rsaMinBits} or ECDSA ${policy.ecCurves.join("/")}`);
  const sans = [{ type: "dns" as const, value: certname }];
  const sanExt = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  for (const n of sanExt?.names.items ?? []) {
    if (n.type !== "dns") throw new PkiInputError("csr", `CSR '${certname}' contains a subject alternative name of type ${n.type}, which is not allowed`);
    if (!sans.some((s) => s.value === n.value)) sans.push({ type: "dns", value: String(n.value).toLowerCase() });
  }
  const existing = await latest(db, ca, certname);
  if (existing?.state === "issued" && existing.notAfter && existing.notAfter > new Date())
    throw new PkiInputError("csr", `${certname} already has a signed certificate; ignoring certificate request`);
  if (existing?.state === "pending") throw new PkiInputError("csr", `${certname} already has a requested certificate; ignoring certificate request`);
  const password = challengePassword(csr);
  const token = password && !requestsAuthorization(csr.extensions) ? await consumeToken(db, certname, password) : null;
  const [row] = await db
    .insert(certificates)
    .values({
      caId: ca.id,
      orgId: token?.orgId ?? (await orgForCertname(db, ca, certname)),
      state: "pending",
      csrPem: csr.toString("pem") + "\n",
      subjectDn: `CN=${certname}`,
      commonName: certname,
      sans,
      keyDescription: describeKey(key),
      validityDays: policy.maxValidityDays,
    })
    .returning();
  if (token) return { cert: await issue(db, row, token.createdBy), autosigned: true };
  if (row.orgId) await noticeRequestPending(db, row, policy);
  return { cert: row, autosigned: false };
}

/**
 * Signs an agent's pending request. A leader (`limitTo` = their org's domains) may sign only
 * names inside those domains: an alt name such as `puppet` could impersonate the server.
 */
export async function signAgent(outer: DbOrTx, cert: Cert, by: string | null, limitTo: string[] | null = null): Promise<Cert> {
  // one transaction: a failure leaves nothing half-done
  return outer.transaction(async (db) => {
    if (cert.state !== "pending") throw new PkiInputError("certname", `${cert.commonName} has no certificate request waiting to be signed`);
    const outside = limitTo ? cert.sans.filter((s) => !inDomains(s.value, limitTo)).map((s) => s.value) : [];
    if (outside.length)
      throw new PkiInputError(
        "certname",
        `${cert.commonName} asks for names outside your organization's domains (${outside.join(", ")}); only an administrator can sign it`,
      );
    if (limitTo && requestsAuthorization(parseCsr(cert.csrPem).extensions))
      throw new PkiInputError(
        "certname",
        `${cert.commonName} asks for authorization extensions (pp_authorization, pp_auth_role), which grant rights in Puppet's auth.conf; only an administrator can sign it`,
      );
    return issue(db, cert, by);
  });
}

/** Rejects a pending request (kept for the record; the agent may submit a new one). */
export async function rejectAgent(outer: DbOrTx, cert: Cert, by: string): Promise<Cert> {
  // one transaction: a failure leaves nothing half-done
  return outer.transaction(async (db) => {
    if (cert.state !== "pending") throw new PkiInputError("certname", `${cert.commonName} has no certificate request waiting`);
    return reject(db, cert, by, "Rejected in the Puppet CA");
  });
}

export async function revokeAgent(outer: DbOrTx, cert: Cert, reason: RevocationReason = "cessationOfOperation"): Promise<Cert> {
  // one transaction: a failure leaves nothing half-done
  return outer.transaction(async (db) => {
    if (cert.state !== "issued") throw new PkiInputError("certname", `${cert.commonName} has no signed certificate to revoke`);
    return revoke(db, cert, reason);
  });
}

export type AgentFilter = { orgId: string | null; q?: string; state?: AgentState; page: number; pageSize: number };

/** The newest request or certificate per certname (requests first), of one org or all. */
export async function listAgents(db: DbOrTx, ca: Ca, f: AgentFilter) {
  const newest = db
    .selectDistinctOn([certificates.commonName])
    .from(certificates)
    .where(eq(certificates.caId, ca.id))
    .orderBy(certificates.commonName, desc(certificates.createdAt))
    .as("newest");
  const conds: SQL[] = [ne(newest.state, "rejected")];
  if (f.orgId) conds.push(eq(newest.orgId, f.orgId));
  if (f.state) conds.push(eq(newest.state, dbState[f.state]));
  if (f.q) conds.push(ilike(newest.commonName, `%${f.q.replace(/[%_\\]/g, (c) => "\\" + c)}%`));
  const where = and(...conds);
  const [rows, [{ total }]] = await Promise.all([
    db
      .select()
      .from(newest)
      .where(where)
      .orderBy(sql`${newest.state} = 'pending' desc`, asc(newest.commonName))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db.select({ total: count() }).from(newest).where(where),
  ]);
  return { rows: rows as Cert[], total };
}

export function agentState(cert: Cert): AgentState | "rejected" {
  return (
    cert.state === "issued" ? "signed"
    : cert.state === "pending" ? "requested"
    : cert.state
  );
}

/** SHA-256 fingerprint (of the certificate, or of the CSR while requested), as puppet prints it. */
export function fingerprint(cert: Cert): string {
  const der = x509.PemConverter.decodeFirst(cert.certPem ?? cert.csrPem);
  return createHash("sha256").update(Buffer.from(der)).digest("hex").toUpperCase().match(/.{2}/g)!.join(":");
}

/** The pp_* extensions of the certificate, or those the CSR asks for. */
export function agentExtensions(cert: Cert) {
  const exts = cert.certPem ? parseCertificate(cert.certPem).extensions : parseCsr(cert.csrPem).extensions;
  return describePuppetExtensions(exts);
}

const sanText = (s: { type: string; value: string }) => `${s.type === "ip" ? "IP" : "DNS"}:${s.value}`;

function status(cert: Cert) {
  const fp = fingerprint(cert);
  return {
    name: cert.commonName,
    state: agentState(cert),
    fingerprint: fp,
    fingerprints: { default: fp, SHA256: fp },
    dns_alt_names: cert.sans.filter((s) => s.value !== cert.commonName).map(sanText),
    subject_alt_names: cert.sans.map(sanText),
    authorization_extensions: Object.fromEntries(
      agentExtensions(cert)
        .filter((e) => isAuthorizationExtension(e.oid))
        .map((e) => [e.name, e.value]),
    ),
    serial_number: cert.serial ? BigInt(`0x${cert.serial}`) : undefined,
    not_before: cert.notBefore?.toISOString(),
    not_after: cert.notAfter?.toISOString(),
  };
}

/** The API's administrator: any user the policy lets manage the Puppet CA (Basic or Bearer). */
async function apiAdmin(req: Request) {
  const who = await userFromAuthorizationHeader(req.headers.get("authorization"), clientAddress(req.headers));
  if (!who || who.user.disabledAt) return null;
  const actor = actorFromUser(who.user, who.scope);
  return actor.kind === "user" && can(actor, "pki:puppet:manage") ? actor : null;
}

/** Routes /puppet-ca/v1/<endpoint>/<certname>. */
export async function handlePuppetCa(req: Request, path: string[]): Promise<Response> {
  const db = getDb();
  const ca = await puppetCa(db);
  if (!ca) return text("The puppet CA is not set up in Rookery yet", 503);
  const [endpoint, name = ""] = path;
  const certname = decodeURIComponent(name).toLowerCase();
  const method = req.method;
  try {
    if (endpoint === "certificate" && method === "GET") {
      if (certname === "ca") {
        return text(await chainPem(db, ca));
      }
      const cur = await latest(db, ca, certname);
      return cur?.certPem && cur.state !== "pending" ? text(cur.certPem) : text(`Could not find certificate ${certname}`, 404);
    }
    if (endpoint === "certificate_revocation_list" && method === "GET") {
      const crls: string[] = [];
      for (let c: Ca | null = ca; c; c = c.parentId ? await getCa(db, { id: c.parentId }) : null) if (c.crlPem) crls.push(c.crlPem.trim());
      return text(crls.join("\n") + "\n");
    }
    if (endpoint === "certificate_request") {
      if (!certnamePattern.test(certname)) return text("Invalid certname", 400);
      if (method === "GET") {
        const cur = await latest(db, ca, certname);
        return cur?.state === "pending" ? text(cur.csrPem) : text(`Could not find certificate_request ${certname}`, 404);
      }
      if (method === "PUT") {
        const body = await req.text();
        if (body.length > 100_000) return text("CSR too large", 400);
        try {
          const r = await db.transaction((tx) => submitCsr(tx, ca, certname, body));
          await recordAudit(db, {
            actor: { kind: "system", name: "puppet-ca" },
            action: r.autosigned ? "pki.puppet.autosign" : "pki.puppet.request",
            orgId: r.cert.orgId,
            targetType: "certificate",
            targetId: r.cert.serial ?? certname,
            outcome: "success",
            details: { certname },
          });
          return text("");
        } catch (e) {
          if (e instanceof PkiInputError) return text(e.message, 400);
          throw e;
        }
      }
      if (method === "DELETE") {
        const admin = await apiAdmin(req);
        if (!admin) return text("Forbidden: the credentials of a Puppet CA administrator are needed", 403);
        await db.delete(certificates).where(and(eq(certificates.caId, ca.id), eq(certificates.commonName, certname), eq(certificates.state, "pending")));
        return new Response(null, { status: 204 });
      }
    }
    if (endpoint === "certificate_status" || endpoint === "certificate_statuses" || endpoint === "sign") {
      const admin = await apiAdmin(req);
      if (!admin) return text("Forbidden: the credentials of a Puppet CA administrator are needed", 403);
      const audit = (action: string, cert: Cert, details: Record<string, unknown> = {}) =>
        recordAudit(db, {
          actor: admin,
          action,
          orgId: cert.orgId,
          targetType: "certificate",
          targetId: cert.serial ?? cert.commonName,
          outcome: "success",
          details: { certname: cert.commonName, ...details },
        });
      if (endpoint === "certificate_statuses" && method === "GET") {
        const want = new URL(req.url).searchParams.get("state");
        const { rows } = await listAgents(db, ca, { orgId: null, page: 1, pageSize: 100_000 });
        const all = rows.map(status);
        return json(want ? all.filter((s) => s.state === want) : all);
      }
      if (endpoint === "sign" && method === "POST") {
        const parsed = (await req.json().catch(() => null)) as { certnames?: unknown } | null;
        const names = Array.isArray(parsed?.certnames) ? parsed.certnames.filter((n): n is string => typeof n === "string") : null;
        if (!names) return text('Expected {"certnames": [...]}', 400);
        const out = { signed: [] as string[], "no-csr": [] as string[], "signing-errors": [] as string[] };
        for (const n of names) {
          const cur = await findAgent(db, ca, n.toLowerCase());
          if (cur?.state !== "pending") {
            out["no-csr"].push(n);
            continue;
          }
          const signed = await db.transaction((tx) => signAgent(tx, cur, admin.id)).catch(() => null);
          if (!signed) out["signing-errors"].push(n);
          else {
            out.signed.push(n);
            await audit("pki.puppet.sign", signed);
          }
        }
        return json(out);
      }
      if (endpoint === "certificate_status") {
        const cur = await findAgent(db, ca, certname);
        if (method === "GET") return cur ? json(status(cur)) : text(`Could not find certificate ${certname}`, 404);
        if (method === "PUT") {
          const body = (await req.json().catch(() => null)) as { desired_state?: unknown } | null;
          if (body?.desired_state !== "signed" && body?.desired_state !== "revoked") return text('desired_state must be "signed" or "revoked"', 400);
          if (!cur) return text(`Could not find certificate ${certname}`, 404);
          try {
            if (body.desired_state === "signed") await audit("pki.puppet.sign", await db.transaction((tx) => signAgent(tx, cur, admin.id)));
            else await audit("pki.puppet.revoke", await db.transaction((tx) => revokeAgent(tx, cur)), { reason: "cessationOfOperation" });
          } catch (e) {
            if (e instanceof PkiInputError) return text(e.message, 409);
            throw e;
          }
          return new Response(null, { status: 204 });
        }
        if (method === "DELETE") {
          if (!cur) return text(`Could not find certificate ${certname}`, 404);
          await db.transaction(async (tx) => {
            if (cur.state === "issued") await revokeAgent(tx, cur);
            await tx.delete(certificates).where(and(eq(certificates.caId, ca.id), eq(certificates.commonName, certname), eq(certificates.state, "pending")));
          });
          await audit("pki.puppet.clean", cur);
          return new Response(null, { status: 204 });
        }
      }
    }
    return text("Not found", 404);
  } catch (e) {
    console.error("puppet-ca:", e instanceof Error ? e.message : e);
    return text("Internal error", 500);
  }
}
