import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { openReadableRepo } from "@/server/git/access";
import { environments, listReleases, releasePlan, startRelease } from "@/server/releases";
import { asField } from "@/server/errors";
import { protectedProcedure, router } from "../trpc";

const repoRef = z.object({ slug: z.string().trim().min(1).max(63), name: z.string().trim().min(1).max(100) });
const kind = z.enum(["release", "hotfix"]);

export const releasesRouter = router({
  /** The Releases page: which version is where, what a new release or hotfix would be, and the published releases. */
  overview: protectedProcedure.input(repoRef.extend({ page: z.number().int().min(1).max(100_000).default(1) })).query(async ({ ctx, input }) => {
    const { repo, dir, scope } = await openReadableRepo(ctx.db, ctx.actor, input.slug, input.name);
    authorize(ctx.actor, "release:read", scope);
    const [envs, release, hotfix, list] = await Promise.all([
      environments(ctx.db, repo, dir),
      releasePlan(ctx.db, repo, dir, "release"),
      releasePlan(ctx.db, repo, dir, "hotfix"),
      listReleases(ctx.db, repo.id, input.page),
    ]);
    const writable = repo.kind === "standard" && !repo.archivedAt;
    return { environments: envs, plans: { release, hotfix }, releases: list, canStart: writable && can(ctx.actor, "release:start", scope) };
  }),

  start: protectedProcedure.input(repoRef.extend({ kind, version: z.string().trim().min(1).max(40) })).mutation(async ({ ctx, input }) => {
    const { repo, dir, scope } = await openReadableRepo(ctx.db, ctx.actor, input.slug, input.name);
    authorize(ctx.actor, "release:start", scope);
    ctx.audit.orgId = repo.orgId;
    ctx.audit.targetType = "repository";
    ctx.audit.targetId = `${repo.orgSlug}/${repo.name}`;
    // The form has one field: every refusal is shown next to it.
    const started = await startRelease(ctx.db, repo, dir, ctx.user, { actor: ctx.actor, scope }, input).catch((e: unknown) => {
      throw asField(e, "version");
    });
    ctx.audit.details = { kind: input.kind, version: started.version, branch: started.branch, mergeRequest: started.mergeRequest.number };
    return { branch: started.branch, version: started.version, mergeRequestNumber: started.mergeRequest.number };
  }),
});
