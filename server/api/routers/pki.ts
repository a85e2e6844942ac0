import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { CaPolicy } from "@/db/schema";
import {
  authorizeApproval,
  authorizeRevoke,
  mayApproveCertificate,
  mayRequestCertificate,
  mayRevokeCertificate,
  maySeeCertificate,
} from "@/server/auth/policies/certificate";
import { authorize, can } from "@/server/auth/policy";
import { getConfig } from "@/server/config";
import { orgScopeFor } from "@/server/orgs";
import {
  activeSubCas,
  chainPem,
  createSubCa,
  getCa,
  importIntermediate,
  importRoot,
  installSubCaCertificate,
  listCas,
  publicCa,
  updatePolicy,
  uploadCrl,
  type Ca,
} from "@/server/pki/ca";
import { getCert, listCerts, type Cert } from "@/server/pki/certs";
import { staleCrlAdvice, staleCrls } from "@/server/pki/notices";
import { approveRequest, rejectRequest, requestCertificate, revokeCertificate } from "@/server/pki/requests";
import { defaultPolicy } from "@/server/pki/policy";
import { agentDomains, puppetCa } from "@/server/pki/puppet";
import { revocationReasons, type RevocationReason } from "@/server/pki/x509";
import { getUserById } from "@/server/users";
import { InputError } from "@/server/errors";
import { protectedProcedure, router, type Context } from "../trpc";
import { puppetRouter } from "./pki-puppet";

const PAGE = 20;
const pem = z.string().trim().min(1, "Paste the PEM text").max(100_000, "This is too long for a PEM certificate");
const slug = z.string().trim().min(1).max(63);
const reasons = Object.keys(revocationReasons) as [RevocationReason, ...RevocationReason[]];

const policySchema = z.object({
  kind: z.enum(["puppet", "user", "client", "host"]),
  subjectBase: z.string().trim().max(300),
  sanTypes: z.array(z.enum(["dns", "ip", "email"])),
  sanDomains: z.array(z.string().trim().min(1).max(253)).max(50),
  rsaMinBits: z.number().int().min(2048, "RSA keys below 2048 bits are not safe").max(16384),
  ecCurves: z.array(z.enum(["P-256", "P-384"])),
  maxValidityDays: z.number().int().min(1).max(3650),
  keyUsage: z.array(z.enum(["digitalSignature", "keyEncipherment", "nonRepudiation", "keyAgreement"])).min(1),
  extKeyUsage: z.array(z.enum(["serverAuth", "clientAuth", "emailProtection", "codeSigning"])).min(1),
  requesters: z.enum(["developer", "leader", "admin"]),
  approval: z.enum(["auto", "leader", "admin"]),
  ocspNonce: z.boolean().optional(),
}) satisfies z.ZodType<CaPolicy>;

async function orgOf(ctx: Context, input: { slug: string }) {
  const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
  authorize(ctx.actor, "org:certs:read", found?.scope ?? null);
  ctx.audit.orgId = found!.org.id;
  return found!;
}

/** A certificate of this org the actor may see (leaders: all; others: their own). */
async function certOf(ctx: Context, input: { slug: string; id: string }) {
  const o = await orgOf(ctx, input);
  const cert = await getCert(ctx.db, input.id);
  if (!cert || cert.orgId !== o.org.id || !maySeeCertificate(ctx.actor, o.scope, cert))
    throw new TRPCError({ code: "NOT_FOUND", message: "This certificate does not exist" });
  const ca = (await getCa(ctx.db, { id: cert.caId }))!;
  ctx.audit.targetType = "certificate";
  ctx.audit.targetId = cert.serial ?? cert.id;
  return { ...o, cert, ca };
}

function certView(cert: Cert, ca: Ca, requester?: string | null) {
  return {
    id: cert.id,
    ca: ca.name,
    caKind: ca.policy?.kind ?? null,
    state: cert.state,
    subjectDn: cert.subjectDn,
    commonName: cert.commonName,
    sans: cert.sans,
    keyDescription: cert.keyDescription,
    validityDays: cert.validityDays,
    serial: cert.serial,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    /** whole days until expiry (negative once expired), for the expiry badges */
    daysLeft: cert.notAfter ? Math.floor((cert.notAfter.getTime() - Date.now()) / 86_400_000) : null,
    revokedAt: cert.revokedAt,
    revocationReason: cert.revocationReason,
    rejectReason: cert.rejectReason,
    renewalOf: cert.renewalOf,
    requester: requester ?? null,
    createdAt: cert.createdAt,
  };
}

export const pkiRouter = router({
  // ---- administration of the CA hierarchy (instance admins) ----
  cas: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "pki:admin");
    return (await listCas(ctx.db)).map(publicCa);
  }),

  /** What the admin page warns about (CRLs running out within 14 days) and the URL offline signing names. */
  adminStatus: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "pki:admin");
    const stale = await staleCrls(ctx.db);
    return {
      portalUrl: getConfig().publicUrl,
      staleCrls: stale.map((c) => ({ name: c.name, nextUpdate: c.crlNextUpdate, expired: c.expired, daysLeft: c.daysLeft, advice: staleCrlAdvice(c) })),
    };
  }),

  caCsr: protectedProcedure.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "pki:admin");
    const ca = await getCa(ctx.db, { id: input.id });
    if (!ca?.csrPem) throw new TRPCError({ code: "NOT_FOUND", message: "This CA has no pending CSR" });
    return { name: ca.name, csrPem: ca.csrPem };
  }),

  importRoot: protectedProcedure.input(z.object({ pem })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "pki:admin");
    const ca = await importRoot(ctx.db, input.pem);
    ctx.audit.targetType = "ca";
    ctx.audit.targetId = ca.name;
    ctx.audit.details = { subject: ca.subjectDn, serial: ca.serial };
    return publicCa(ca);
  }),

  importIntermediate: protectedProcedure
    .input(z.object({ name: z.string().trim().min(1, "Give the CA a short name").max(32), pem }))
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "pki:admin");
      const ca = await importIntermediate(ctx.db, input.pem, input.name);
      ctx.audit.targetType = "ca";
      ctx.audit.targetId = ca.name;
      ctx.audit.details = { subject: ca.subjectDn, serial: ca.serial };
      return publicCa(ca);
    }),

  createSubCa: protectedProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, "Give the CA a short name").max(32),
        subject: z.string().trim().min(4, "Write the subject like CN=Rookery Host CA,O=Example").max(500),
        parentId: z.uuid("Choose the level-1 CA"),
        kind: z.enum(["puppet", "user", "client", "host"]),
        base: z.string().trim().max(300).default("dc=example,dc=com"),
        key: z.enum(["rsa:3072", "rsa:4096", "ec:P-256", "ec:P-384"]).default("rsa:3072"),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "pki:admin");
      const [type, size] = input.key.split(":");
      const key = type === "rsa" ? { type: "rsa" as const, bits: Number(size) } : { type: "ec" as const, curve: size as "P-256" | "P-384" };
      const ca = await createSubCa(ctx.db, {
        name: input.name,
        subject: input.subject,
        parentId: input.parentId,
        key,
        policy: defaultPolicy(input.kind, input.base),
      });
      ctx.audit.targetType = "ca";
      ctx.audit.targetId = ca.name;
      ctx.audit.details = { subject: ca.subjectDn, kind: input.kind, key: input.key };
      return publicCa(ca);
    }),

  installCertificate: protectedProcedure.input(z.object({ id: z.uuid(), pem })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "pki:admin");
    const ca = await installSubCaCertificate(ctx.db, input.id, input.pem);
    ctx.audit.targetType = "ca";
    ctx.audit.targetId = ca.name;
    ctx.audit.details = { serial: ca.serial, notAfter: ca.notAfter };
    return publicCa(ca);
  }),

  uploadCrl: protectedProcedure
    .input(z.object({ id: z.uuid(), pem: z.string().trim().min(1, "Paste the CRL (PEM)").max(10_000_000) }))
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "pki:admin");
      const ca = await uploadCrl(ctx.db, input.id, input.pem);
      ctx.audit.targetType = "ca";
      ctx.audit.targetId = ca.name;
      ctx.audit.details = { nextUpdate: ca.crlNextUpdate };
      return publicCa(ca);
    }),

  updatePolicy: protectedProcedure.input(z.object({ id: z.uuid(), policy: policySchema })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "pki:admin");
    const ca = await updatePolicy(ctx.db, input.id, input.policy);
    if (!ca) throw new TRPCError({ code: "NOT_FOUND", message: "No such CA" });
    ctx.audit.targetType = "ca";
    ctx.audit.targetId = ca.name;
    ctx.audit.details = { policy: input.policy };
    return publicCa(ca);
  }),

  puppet: puppetRouter,

  // ---- an organization's certificates ----
  overview: protectedProcedure.input(z.object({ slug })).query(async ({ ctx, input }) => {
    const o = await orgOf(ctx, input);
    const subs = await activeSubCas(ctx.db);
    return {
      org: { slug: o.org.slug, name: o.org.name },
      canManage: can(ctx.actor, "org:certs:manage", o.scope),
      /** the Puppet agents tab: leaders, once the puppet sub-CA is active */
      canManagePuppet: can(ctx.actor, "org:puppet:manage", o.scope) && !!(await puppetCa(ctx.db)),
      cas: subs
        .filter((c) => c.policy && mayRequestCertificate(ctx.actor, o.scope, c.policy))
        .map((c) => ({
          id: c.id,
          name: c.name,
          subjectDn: c.subjectDn,
          policy: c.policy!,
          willApprove:
            c.policy!.approval === "auto" ? "automatically"
            : c.policy!.approval === "leader" ? "by an organization leader"
            : "by an administrator",
        })),
    };
  }),

  list: protectedProcedure
    .input(
      z.object({
        slug,
        state: z.enum(["pending", "issued", "rejected", "revoked"]).optional(),
        q: z.string().trim().max(200).optional(),
        page: z.number().int().min(1).default(1),
      }),
    )
    .query(async ({ ctx, input }) => {
      const o = await orgOf(ctx, input);
      const all = can(ctx.actor, "org:certs:manage", o.scope);
      const { rows, total } = await listCerts(ctx.db, {
        orgId: o.org.id,
        requestedBy: all || ctx.actor.kind !== "user" ? undefined : ctx.actor.id,
        state: input.state,
        query: input.q || undefined,
        page: input.page,
        pageSize: PAGE,
      });
      const cas = new Map((await listCas(ctx.db)).map((c) => [c.id, c]));
      return { total, page: input.page, pageSize: PAGE, all, certs: rows.map((r) => certView(r.cert, cas.get(r.cert.caId)!, r.requester)) };
    }),

  get: protectedProcedure.input(z.object({ slug, id: z.uuid() })).query(async ({ ctx, input }) => {
    const c = await certOf(ctx, input);
    const policy = c.ca.policy!;
    return {
      cert: certView(c.cert, c.ca),
      certPem: c.cert.certPem,
      chainPem: c.cert.certPem ? await chainPem(ctx.db, c.ca) : null,
      csrPem: c.cert.csrPem,
      canApprove: c.cert.state === "pending" && mayApproveCertificate(ctx.actor, c.scope, policy),
      canRevoke: c.cert.state === "issued" && mayRevokeCertificate(ctx.actor, c.scope, c.cert),
      canRenew: c.cert.state === "issued" && mayRequestCertificate(ctx.actor, c.scope, policy),
    };
  }),

  request: protectedProcedure
    .input(
      z.object({
        slug,
        caId: z.uuid("Choose a certificate authority"),
        csrPem: z.string().trim().min(1, "Paste a certificate signing request, or let the browser make one").max(100_000),
        validityDays: z.number().int().min(1, "At least one day").max(3650),
        renewalOf: z.uuid().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const o = await orgOf(ctx, input);
      authorize(ctx.actor, "org:certs:request", o.scope);
      const ca = await getCa(ctx.db, { id: input.caId });
      if (!ca?.policy || ca.status !== "active") throw new InputError("caId", "Choose a certificate authority");
      if (!mayRequestCertificate(ctx.actor, o.scope, ca.policy))
        throw new InputError(
          "caId",
          `Only ${ca.policy.requesters === "admin" ? "administrators" : `${ca.policy.requesters}s and above`} may request certificates from ${ca.name}`,
        );
      const me = (await getUserById(ctx.db, ctx.user!.id))!;
      const renewalOf = input.renewalOf ? (await certOf(ctx, { slug: input.slug, id: input.renewalOf })).cert : null;
      const result = await requestCertificate(ctx.db, {
        ca,
        org: { id: o.org.id, slug: o.org.slug },
        user: { id: me.id, email: me.email },
        csrPem: input.csrPem,
        validityDays: input.validityDays,
        renewalOf,
      });
      ctx.audit.targetType = "certificate";
      ctx.audit.targetId = result.serial ?? result.id;
      ctx.audit.details = {
        ca: ca.name,
        subject: result.subjectDn,
        state: result.state,
        renewalOf: renewalOf?.serial ?? undefined,
        serial: result.serial ?? undefined,
      };
      return { id: result.id, state: result.state, certPem: result.certPem, chainPem: result.certPem ? await chainPem(ctx.db, ca) : null };
    }),

  approve: protectedProcedure.input(z.object({ slug, id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await certOf(ctx, input);
    authorizeApproval(ctx.actor, c.scope, c.ca.policy!);
    const everyAgent = can(ctx.actor, "pki:puppet:manage");
    const cert = await approveRequest(ctx.db, { cert: c.cert, ca: c.ca, decidedBy: ctx.user!.id, agentDomains: everyAgent ? null : agentDomains(c.ca, c.org) });
    ctx.audit.targetId = cert.serial!;
    ctx.audit.details = { ca: c.ca.name, subject: cert.subjectDn, serial: cert.serial };
    return { state: cert.state };
  }),

  reject: protectedProcedure
    .input(z.object({ slug, id: z.uuid(), reason: z.string().trim().min(1, "Tell the requester why").max(500) }))
    .mutation(async ({ ctx, input }) => {
      const c = await certOf(ctx, input);
      authorizeApproval(ctx.actor, c.scope, c.ca.policy!);
      const cert = await rejectRequest(ctx.db, { cert: c.cert, decidedBy: ctx.user!.id, reason: input.reason });
      ctx.audit.details = { ca: c.ca.name, subject: cert.subjectDn, reason: input.reason };
      return { state: cert.state };
    }),

  revoke: protectedProcedure.input(z.object({ slug, id: z.uuid(), reason: z.enum(reasons) })).mutation(async ({ ctx, input }) => {
    const c = await certOf(ctx, input);
    authorizeRevoke(ctx.actor, c.scope, c.cert);
    const cert = await revokeCertificate(ctx.db, c.cert, input.reason);
    ctx.audit.details = { ca: c.ca.name, subject: cert.subjectDn, serial: cert.serial, reason: input.reason };
    return { state: cert.state };
  }),
});
