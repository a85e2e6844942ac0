import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo, listRepos, type RepoWithOrg } from "@/server/git/repos";
import { orgScopeFor } from "@/server/orgs";
import type { User } from "@/server/users";
import {
  createHook,
  deleteHook,
  getHook,
  hasPendingDeliveries,
  listDeliveries,
  listHooks,
  publicHook,
  redeliver,
  sendTestDelivery,
  updateHook,
  webhookEvents,
  type HookScope,
} from "@/server/webhooks";
import { samplePushPayload } from "@/server/webhooks/payloads";
import { protectedProcedure, router, type Context } from "../trpc";

const PAGE = 20;
/** A repository's hooks (`repo` given) or the organization's. */
const target = z.object({ slug: z.string().trim().min(1).max(63), repo: z.string().trim().min(1).max(100).optional() });
const hookRef = target.extend({ id: z.uuid() });
const events = z.array(z.enum(webhookEvents)).min(1, "Choose at least one event");
const url = z.string().trim().min(1, "URL is required").max(2000);

/**
 * Resolves the scope. Members may see that hooks exist (`canManage` false); managing
 * and reading them needs repo:admin for a repo's hooks, org:hooks for the org's.
 */
async function scopeOf(ctx: Context & { user: User }, input: z.infer<typeof target>, manage: boolean) {
  const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
  let repo: RepoWithOrg | null = null;
  if (input.repo) {
    authorize(ctx.actor, "repo:read", found?.scope ?? null);
    repo = await getRepo(ctx.db, input.slug, input.repo);
    if (!repo) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
  } else {
    authorize(ctx.actor, "org:read", found?.scope ?? null);
  }
  const action = repo ? "repo:admin" : "org:hooks";
  if (manage) authorize(ctx.actor, action, found!.scope);
  ctx.audit.orgId = found!.org.id;
  const scope: HookScope = { orgId: found!.org.id, repoId: repo?.id ?? null };
  return { org: found!.org, repo, scope, canManage: can(ctx.actor, action, found!.scope) };
}

async function hookOf(ctx: Context & { user: User }, input: z.infer<typeof hookRef>) {
  const s = await scopeOf(ctx, input, true);
  const hook = await getHook(ctx.db, s.scope, input.id);
  if (!hook) throw new TRPCError({ code: "NOT_FOUND", message: "This webhook does not exist (any more)" });
  ctx.audit.targetType = "webhook";
  ctx.audit.targetId = hook.id;
  return { ...s, hook };
}

export const webhooksRouter = router({
  list: protectedProcedure.input(target).query(async ({ ctx, input }) => {
    const s = await scopeOf(ctx, input, false);
    return {
      org: { slug: s.org.slug, name: s.org.name },
      repo: s.repo ? { name: s.repo.name } : null,
      canManage: s.canManage,
      hooks: s.canManage ? await listHooks(ctx.db, s.scope) : [],
    };
  }),

  get: protectedProcedure.input(hookRef.extend({ cursor: z.uuid().optional() })).query(async ({ ctx, input }) => {
    const { hook, org, repo } = await hookOf(ctx, input);
    const [deliveries, pending] = await Promise.all([
      listDeliveries(ctx.db, hook.id, { cursor: input.cursor, limit: PAGE }),
      hasPendingDeliveries(ctx.db, hook.id),
    ]);
    return { org: { slug: org.slug, name: org.name }, repo: repo ? { name: repo.name } : null, hook: publicHook(hook), deliveries, pending };
  }),

  create: protectedProcedure
    .input(target.extend({ url, secret: z.string().max(1000).optional(), events, active: z.boolean().default(true) }))
    .mutation(async ({ ctx, input }) => {
      const s = await scopeOf(ctx, input, true);
      const hook = await createHook(ctx.db, s.scope, { ...input, createdBy: ctx.user.id });
      ctx.audit.targetType = "webhook";
      ctx.audit.targetId = hook.id;
      ctx.audit.details = { url: hook.url, events: hook.events, repo: s.repo?.name ?? null, secret: hook.secretEncrypted ? "set" : "none" };
      return publicHook(hook);
    }),

  /** `secret`: omitted keeps it, null removes it, a string replaces it. */
  update: protectedProcedure
    .input(
      hookRef.extend({ url: url.optional(), events: events.optional(), active: z.boolean().optional(), secret: z.string().max(1000).nullable().optional() }),
    )
    .mutation(async ({ ctx, input }) => {
      const { scope } = await hookOf(ctx, input);
      const hook = await updateHook(ctx.db, scope, input.id, input);
      if (!hook) throw new TRPCError({ code: "NOT_FOUND", message: "This webhook does not exist (any more)" });
      ctx.audit.details = {
        url: hook.url,
        events: hook.events,
        active: hook.active,
        ...(input.secret !== undefined ? { secret: input.secret ? "changed" : "removed" } : {}),
      };
      return publicHook(hook);
    }),

  delete: protectedProcedure.input(hookRef).mutation(async ({ ctx, input }) => {
    const { scope, hook } = await hookOf(ctx, input);
    ctx.audit.details = { url: hook.url };
    await deleteHook(ctx.db, scope, hook.id);
    return { ok: true };
  }),

  /** Sends a push-shaped sample now and reports what the endpoint answered. */
  test: protectedProcedure.input(hookRef).mutation(async ({ ctx, input }) => {
    const { hook, repo, org } = await hookOf(ctx, input);
    // An org hook is tested with one of the org's repositories (the control repo when there is one).
    let sample = repo;
    if (!sample) {
      const repos = await listRepos(ctx.db, org.id);
      const pick = repos.find((r) => r.name === "puppet") ?? repos[0];
      sample = pick ? await getRepo(ctx.db, org.slug, pick.name) : null;
    }
    if (!sample) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "Create a repository first: the test sends a push of one" });
    const dir = await ensureRepoOnDisk(ctx.db, sample);
    const payload = await samplePushPayload(dir, sample, ctx.user);
    const { delivery, attempt } = await sendTestDelivery(ctx.db, hook, "push", payload);
    ctx.audit.details = { url: hook.url, responseStatus: attempt.responseStatus, error: attempt.error };
    return {
      deliveryId: delivery.id,
      ok: delivery.status === "success",
      responseStatus: attempt.responseStatus,
      error: attempt.error,
      durationMs: attempt.durationMs,
    };
  }),

  redeliver: protectedProcedure.input(hookRef.extend({ deliveryId: z.uuid() })).mutation(async ({ ctx, input }) => {
    const { hook } = await hookOf(ctx, input);
    const copy = await redeliver(ctx.db, hook, input.deliveryId);
    if (!copy) throw new TRPCError({ code: "NOT_FOUND", message: "This delivery does not exist (any more)" });
    ctx.audit.details = { url: hook.url, redeliveryOf: input.deliveryId, deliveryId: copy.id };
    return { deliveryId: copy.id };
  }),
});
