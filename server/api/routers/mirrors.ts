import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { createPullMirror, getPullMirror, publicMirror, requestMirrorSync } from "@/server/git/pull-mirror";
import { getRepo } from "@/server/git/repos";
import { orgScopeFor } from "@/server/orgs";
import { protectedProcedure, router, type Context } from "../trpc";

const slug = z.string().trim().min(1).max(63);
const name = z.string().trim().min(1, "Name is required").max(100);
const repoRef = z.object({ slug, name });

async function mirrorOf(ctx: Context, input: { slug: string; name: string }, action: "repo:read" | "repo:write") {
  const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
  authorize(ctx.actor, action, found?.scope ?? null);
  const repo = await getRepo(ctx.db, input.slug, input.name);
  const mirror = repo?.kind === "pull-mirror" ? await getPullMirror(ctx.db, repo.id) : null;
  if (!repo || !mirror) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
  ctx.audit.orgId = found!.org.id;
  ctx.audit.targetType = "repository";
  ctx.audit.targetId = `${repo.orgSlug}/${repo.name}`;
  return { repo, mirror, scope: found!.scope };
}

export const mirrorsRouter = router({
  /** A new repository fetched from an external URL (credentials in the URL are stored encrypted). */
  create: protectedProcedure
    .input(
      z.object({
        slug,
        name,
        url: z.string().trim().min(1, "Upstream URL is required").max(2000),
        interval: z.number().int(),
        description: z.string().trim().max(500).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
      authorize(ctx.actor, "repo:create", found?.scope ?? null);
      ctx.audit.orgId = found!.org.id;
      const repo = await createPullMirror(ctx.db, found!.org, input);
      ctx.audit.targetType = "repository";
      ctx.audit.targetId = `${repo.orgSlug}/${repo.name}`;
      ctx.audit.details = { upstream: repo.upstream, interval: input.interval };
      return { name: repo.name };
    }),

  status: protectedProcedure.input(repoRef).query(async ({ ctx, input }) => {
    const { mirror, scope } = await mirrorOf(ctx, input, "repo:read");
    return { mirror: publicMirror(mirror), canSync: can(ctx.actor, "repo:write", scope) };
  }),

  /** Queues a sync now; the page shows the result when the workers are done. */
  syncNow: protectedProcedure.input(repoRef).mutation(async ({ ctx, input }) => {
    const { repo } = await mirrorOf(ctx, input, "repo:write");
    await requestMirrorSync(ctx.db, repo.id);
    return { queued: true };
  }),
});
