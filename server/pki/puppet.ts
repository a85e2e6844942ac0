import { createHash, randomBytes } from "node:crypto";
import { and, asc, desc, eq, gt, isNull } from "drizzle-orm";
import { getDb, type DbOrTx } from "@/db/client";
import { certificates, puppetAutosignTokens } from "@/db/schema";
import { userFromAuthorizationHeader } from "@/server/auth/credentials";
import { recordAudit } from "@/server/audit";
import { chainPem, getCa, type Ca } from "./ca";
import { issue, revoke, type Cert } from "./certs";
import * as x509 from "./lib";
import { describeKey, parseCsr, PkiInputError, publicKeyInfo } from "./x509";

/**
 * The Puppet CA v1 HTTP API (what puppetserver's CA answers) on the `puppet` sub-CA, so a
 * stock `puppet agent` bootstraps against Rookery. Agents are anonymous; signing, revoking
 * and the status listings need an administrator's credentials (Basic or Bearer token).
 */
const PUPPET_CA = "puppet";
const certnamePattern = /^[a-z0-9._-]{1,253}$/;
const CHALLENGE_PASSWORD = "1.2.840.113549.1.9.7";

const text = (body: string, status = 200) => new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** A one-time autosign token for a certname (shown once; valid `days`). */
export async function createAutosignToken(db: DbOrTx, certname: string, createdBy: string | null, days = 7) {
  if (!certnamePattern.test(certname)) throw new PkiInputError("certname", "A certname is a lowercase host name such as web1.example.com");
  const token = randomBytes(24).toString("base64url");
  await db.insert(puppetAutosignTokens).values({ certname, tokenHash: hashToken(token), createdBy, expiresAt: new Date(Date.now() + days * 86_400_000) });
  return token;
}

/** Marks the token used when it matches; false otherwise. */
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
  return !!row;
}

async function puppetCa(db: DbOrTx): Promise<Ca | null> {
  const ca = await getCa(db, { name: PUPPET_CA });
  return ca?.status === "active" && ca.policy ? ca : null;
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

function challengePassword(csr: x509.Pkcs10CertificateRequest): string | null {
  const attr = csr.attributes.find((a) => a.type === CHALLENGE_PASSWORD);
  return attr instanceof x509.ChallengePasswordAttribute ? attr.password : null;
}

/** Accepts an agent's CSR: CN = certname, strong key, DNS alt names only; autosigns on a valid token. */
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
  const [row] = await db
    .insert(certificates)
    .values({
      caId: ca.id,
      orgId: null,
      state: "pending",
      csrPem: csr.toString("pem") + "\n",
      subjectDn: `CN=${certname}`,
      commonName: certname,
      sans,
      keyDescription: describeKey(key),
      validityDays: policy.maxValidityDays,
    })
    .returning();
  const password = challengePassword(csr);
  if (password && (await consumeToken(db, certname, password))) return { cert: await issue(db, row, null), autosigned: true };
  return { cert: row, autosigned: false };
}

function status(cert: Cert) {
  const state = cert.state === "issued" ? "signed" : cert.state === "pending" ? "requested" : cert.state;
  const pemForPrint = cert.certPem ?? cert.csrPem;
  const der = x509.PemConverter.decodeFirst(pemForPrint);
  const fp = createHash("sha256").update(Buffer.from(der)).digest("hex").toUpperCase().match(/.{2}/g)!.join(":");
  return {
    name: cert.commonName,
    state,
    fingerprint: fp,
    fingerprints: { default: fp, SHA256: fp },
    dns_alt_names: cert.sans.filter((s) => s.value !== cert.commonName).map((s) => `DNS:${s.value}`),
    subject_alt_names: cert.sans.map((s) => `DNS:${s.value}`),
    serial_number: cert.serial ? parseInt(cert.serial.slice(-12), 16) : undefined,
    not_before: cert.notBefore?.toISOString(),
    not_after: cert.notAfter?.toISOString(),
  };
}

async function isAdmin(req: Request) {
  const who = await userFromAuthorizationHeader(req.headers.get("authorization"));
  return who && who.user.isAdmin && !who.user.disabledAt && who.scope !== "read" ? who.user : null;
}

/** Signs every pending request of these certnames (admin "sign" and desired_state signed). */
async function signPending(db: DbOrTx, ca: Ca, certname: string, by: string) {
  const cur = await latest(db, ca, certname);
  if (!cur || cur.state !== "pending") return null;
  return issue(db, cur, by);
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
        const admin = await isAdmin(req);
        if (!admin) return text("Forbidden: an administrator's credentials are needed", 403);
        await db.delete(certificates).where(and(eq(certificates.caId, ca.id), eq(certificates.commonName, certname), eq(certificates.state, "pending")));
        return new Response(null, { status: 204 });
      }
    }
    if (endpoint === "certificate_status" || endpoint === "certificate_statuses" || endpoint === "sign") {
      const admin = await isAdmin(req);
      if (!admin) return text("Forbidden: an administrator's credentials are needed", 403);
      const audit = (action: string, target: string, details: Record<string, unknown> = {}) =>
        recordAudit(db, { actor: { kind: "user", id: admin.id, username: admin.username, isAdmin: true }, action, targetType: "certificate", targetId: target, outcome: "success", details });
      if (endpoint === "certificate_statuses" && method === "GET") {
        const want = new URL(req.url).searchParams.get("state");
        const rows = await db.select().from(certificates).where(eq(certificates.caId, ca.id)).orderBy(asc(certificates.commonName), desc(certificates.createdAt));
        const newest = [...new Map(rows.map((r) => [r.commonName, r])).values()].filter((r) => r.state !== "rejected").map(status);
        return json(want ? newest.filter((s) => s.state === want) : newest);
      }
      if (endpoint === "sign" && method === "POST") {
        const parsed = (await req.json().catch(() => null)) as { certnames?: unknown } | null;
        const names = Array.isArray(parsed?.certnames) ? parsed.certnames.filter((n): n is string => typeof n === "string") : null;
        if (!names) return text('Expected {"certnames": [...]}', 400);
        const out = { signed: [] as string[], "no-csr": [] as string[], "signing-errors": [] as string[] };
        for (const n of names) {
          const signed = await db.transaction((tx) => signPending(tx, ca, n.toLowerCase(), admin.id)).catch(() => "error" as const);
          if (signed === "error") out["signing-errors"].push(n);
          else if (signed) {
            out.signed.push(n);
            await audit("pki.puppet.sign", signed.serial!, { certname: n });
          } else out["no-csr"].push(n);
        }
        return json(out);
      }
      if (endpoint === "certificate_status") {
        const cur = await latest(db, ca, certname);
        if (method === "GET") return cur && cur.state !== "rejected" ? json(status(cur)) : text(`Could not find certificate ${certname}`, 404);
        if (method === "PUT") {
          const body = (await req.json().catch(() => null)) as { desired_state?: unknown } | null;
          if (body?.desired_state === "signed") {
            if (cur?.state !== "pending") return text(`No certificate request for ${certname} to sign`, 409);
            const signed = await db.transaction((tx) => issue(tx, cur, admin.id));
            await audit("pki.puppet.sign", signed.serial!, { certname });
            return new Response(null, { status: 204 });
          }
          if (body?.desired_state === "revoked") {
            if (cur?.state !== "issued") return text(`${certname} has no signed certificate to revoke`, 409);
            const revoked = await db.transaction((tx) => revoke(tx, cur, "cessationOfOperation"));
            await audit("pki.puppet.revoke", revoked.serial!, { certname });
            return new Response(null, { status: 204 });
          }
          return text('desired_state must be "signed" or "revoked"', 400);
        }
        if (method === "DELETE") {
          if (!cur) return text(`Could not find certificate ${certname}`, 404);
          await db.transaction(async (tx) => {
            if (cur.state === "issued") await revoke(tx, cur, "cessationOfOperation");
            await tx.delete(certificates).where(and(eq(certificates.caId, ca.id), eq(certificates.commonName, certname), eq(certificates.state, "pending")));
          });
          await audit("pki.puppet.clean", cur.serial ?? certname, { certname });
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
