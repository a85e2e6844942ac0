import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { mergeRequestAbilities } from "@/server/auth/policies/merge-request";
import { rulesFor } from "@/server/mergerequests/merge";
import { orgScopeFor } from "@/server/orgs";
import { describeChange, type ModuleChange } from "@/server/tinderbox/resolve";
import { listTinderboxRuns, PUPPET_REPO, requestTinderboxRun } from "@/server/tinderbox/run";
import { cronOf, dueAt, getSchedule } from "@/server/tinderbox/schedule";
import { tinderboxUpdates } from "@/server/tinderbox/updates";
import { protectedProcedure, router } from "../trpc";

const orgRef = z.object({ slug: z.string().trim().min(1).max(63) });

export const tinderboxRouter = router({
  /** The organization's tinderbox runs, newest first, and its schedule (the Builds page). */
  runs: protectedProcedure.input(orgRef).query(async ({ ctx, input }) => {
    const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
    authorize(ctx.actor, "tinderbox:read", found?.scope ?? null);
    const org = found!.org;
    const [runs, schedule] = await Promise.all([listTinderboxRuns(ctx.db, org.id), getSchedule(ctx.db, org.id)]);
    const mine = runs.find((r) => r.triggeredById === ctx.user.id) ?? null;
    return {
      repo: PUPPET_REPO,
      canRun: can(ctx.actor, "tinderbox:run", found!.scope),
      schedule: schedule && { schedule: schedule.schedule, cron: cronOf(schedule.schedule, org.id), error: schedule.error, next: dueAt(schedule) },
      mine: mine && { id: mine.id, status: mine.status },
      runs: runs.map(({ changes, triggeredById: _, ...r }) => ({
        ...r,
        changes: ((changes?.modules ?? []) as ModuleChange[]).map(describeChange),
        notes: changes?.notes ?? [],
      })),
    };
  }),

  /** "Run tinderbox now": queues a pass (a newer request supersedes one still waiting). */
  runNow: protectedProcedure.input(orgRef).mutation(async ({ ctx, input }) => {
    const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
    authorize(ctx.actor, "tinderbox:run", found?.scope ?? null);
    const run = await requestTinderboxRun(ctx.db, found!.org.id, "manual", ctx.user.id);
    ctx.audit.orgId = found!.org.id;
    ctx.audit.targetType = "tinderbox_run";
    ctx.audit.targetId = run.id;
    return { runId: run.id };
  }),

  /** The Updates card of the org page (leaders; null for everyone else). */
  updates: protectedProcedure.input(orgRef).query(async ({ ctx, input }) => {
    const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
    authorize(ctx.actor, "tinderbox:read", found?.scope ?? null);
    if (!can(ctx.actor, "tinderbox:run", found!.scope)) return null;
    const u = await tinderboxUpdates(ctx.db, found!.org.slug);
    if (!u) return null;
    if (!u.pending) return { repo: u.repo.name, pending: null, merged: u.merged };
    const { authorId, ...mr } = u.pending.mr;
    const may = mergeRequestAbilities(ctx.actor, found!.scope, { authorId, targetBranch: "develop", protection: await rulesFor(ctx.db, u.repo.id, "develop") });
    const pending = { ...u.pending, mr, canMerge: may.merge, canApprove: may.approve };
    return { repo: u.repo.name, pending, merged: u.merged };
  }),
});
