import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { orgScopeFor } from "@/server/orgs";
import {
  agentDomains,
  agentExtensions,
  agentState,
  createAutosignToken,
  findAgent,
  fingerprint,
  listAgents,
  listAutosignTokens,
  puppetCa,
  rejectAgent,
  revokeAgent,
  revokeAutosignToken,
  signAgent,
  type AgentOrg,
} from "@/server/pki/puppet";
import { revocationReasons, type RevocationReason } from "@/server/pki/x509";
import type { Cert } from "@/server/pki/certs";
import { protectedProcedure, router, type Context } from "../trpc";

/**
 * The Puppet agents view: administrators see every agent of the puppet sub-CA (no `slug`);
 * org leaders see and decide those of their org (`slug`), whose certnames lie in its domains.
 */
const PAGE = 25;
const slug = z.string().trim().min(1).max(63).optional();
const certname = z.string().trim().toLowerCase().min(1, "Enter the agent's certname").max(253);
const reasons = Object.keys(revocationReasons) as [RevocationReason, ...RevocationReason[]];

/** Whose agents: all (admins, no slug) or one org's (leaders and admins, with slug). */
async function scopeOf(ctx: Context, input: { slug?: string }) {
  const ca = await puppetCa(ctx.db);
  let org: AgentOrg | null = null;
  if (input.slug) {
    const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
    authorize(ctx.actor, "org:puppet:manage", found?.scope ?? null);
    org = { id: found!.org.id, slug: found!.org.slug };
    ctx.audit.orgId = org.id;
  } else authorize(ctx.actor, "pki:puppet:manage");
  // instance-wide managers sign any certname; org leaders only those in the org's domains
  const everyAgent = can(ctx.actor, "pki:puppet:manage");
  return { ca, org, everyAgent, domains: ca && org ? agentDomains(ca, org) : [] };
}

/** An agent in scope by certname; NOT_FOUND outside it. */
async function agentOf(ctx: Context, input: { slug?: string; certname: string }) {
  const s = await scopeOf(ctx, input);
  const cert = s.ca ? await findAgent(ctx.db, s.ca, input.certname) : null;
  if (!cert || (s.org && cert.orgId !== s.org.id)) throw new TRPCError({ code: "NOT_FOUND", message: `No puppet agent ${input.certname} here` });
  ctx.audit.orgId = cert.orgId;
  ctx.audit.targetType = "certificate";
  ctx.audit.targetId = cert.serial ?? cert.commonName;
  return { ...s, cert };
}

function agentView(c: Cert) {
  return {
    certname: c.commonName,
    state: agentState(c),
    fingerprint: fingerprint(c),
    sans: c.sans.map((s) => s.value),
    serial: c.serial,
    keyDescription: c.keyDescription,
    requestedAt: c.createdAt,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    revokedAt: c.revokedAt,
    revocationReason: c.revocationReason,
    extensions: agentExtensions(c),
    orgId: c.orgId,
  };
}

export const puppetRouter = router({
  agents: protectedProcedure
    .input(
      z.object({
        slug,
        q: z.string().trim().max(253).optional(),
        state: z.enum(["requested", "signed", "revoked"]).optional(),
        page: z.number().int().min(1).default(1),
      }),
    )
    .query(async ({ ctx, input }) => {
      const s = await scopeOf(ctx, input);
      if (!s.ca) return { ready: false as const, agents: [], total: 0, page: 1, pageSize: PAGE, domains: [] };
      const { rows, total } = await listAgents(ctx.db, s.ca, {
        orgId: s.org?.id ?? null,
        q: input.q || undefined,
        state: input.state,
        page: input.page,
        pageSize: PAGE,
      });
      return { ready: true as const, agents: rows.map(agentView), total, page: input.page, pageSize: PAGE, domains: s.domains };
    }),

  sign: protectedProcedure.input(z.object({ slug, certname })).mutation(async ({ ctx, input }) => {
    const a = await agentOf(ctx, input);
    const cert = await signAgent(ctx.db, a.cert, ctx.user!.id, a.everyAgent ? null : a.domains);
    ctx.audit.targetId = cert.serial!;
    ctx.audit.details = { ca: "puppet", certname: cert.commonName, serial: cert.serial };
    return { state: agentState(cert) };
  }),

  reject: protectedProcedure.input(z.object({ slug, certname })).mutation(async ({ ctx, input }) => {
    const a = await agentOf(ctx, input);
    const cert = await rejectAgent(ctx.db, a.cert, ctx.user!.id);
    ctx.audit.details = { ca: "puppet", certname: cert.commonName };
    return { state: agentState(cert) };
  }),

  revoke: protectedProcedure.input(z.object({ slug, certname, reason: z.enum(reasons).default("cessationOfOperation") })).mutation(async ({ ctx, input }) => {
    const a = await agentOf(ctx, input);
    const cert = await revokeAgent(ctx.db, a.cert, input.reason);
    ctx.audit.details = { ca: "puppet", certname: cert.commonName, serial: cert.serial, reason: input.reason };
    return { state: agentState(cert) };
  }),

  /** A one-time autosign token for a certname (its challengePassword); shown once. */
  createToken: protectedProcedure.input(z.object({ slug, certname, days: z.number().int().min(1).max(90).default(7) })).mutation(async ({ ctx, input }) => {
    const s = await scopeOf(ctx, input);
    const token = await createAutosignToken(ctx.db, input.certname, ctx.user!.id, input.days, s.org);
    ctx.audit.targetType = "puppet-autosign";
    ctx.audit.targetId = input.certname;
    ctx.audit.details = { days: input.days };
    return { certname: input.certname, token, days: input.days };
  }),

  tokens: protectedProcedure.input(z.object({ slug })).query(async ({ ctx, input }) => {
    const s = await scopeOf(ctx, input);
    return listAutosignTokens(ctx.db, s.org?.id ?? null);
  }),

  revokeToken: protectedProcedure.input(z.object({ slug, id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const s = await scopeOf(ctx, input);
    const name = await revokeAutosignToken(ctx.db, input.id, s.org?.id ?? null);
    if (!name) throw new TRPCError({ code: "NOT_FOUND", message: "This token is used, expired or already withdrawn" });
    ctx.audit.targetType = "puppet-autosign";
    ctx.audit.targetId = name;
    return { certname: name };
  }),
});
