import { z } from "zod";
import { authorize } from "@/server/auth/policy";
import { orgScopeFor } from "@/server/orgs";
import { describeChange, type ModuleChange } from "@/server/tinderbox/resolve";
import { listTinderboxRuns, PUPPET_REPO } from "@/server/tinderbox/run";
import { protectedProcedure, router } from "../trpc";

export const tinderboxRouter = router({
  /** The organization's tinderbox runs, newest first (the Builds page). */
  runs: protectedProcedure.input(z.object({ slug: z.string().trim().min(1).max(63) })).query(async ({ ctx, input }) => {
    const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
    authorize(ctx.actor, "tinderbox:read", found?.scope ?? null);
    const runs = await listTinderboxRuns(ctx.db, found!.org.id);
    return {
      repo: PUPPET_REPO,
      runs: runs.map(({ changes, ...r }) => ({
        ...r,
        changes: ((changes?.modules ?? []) as ModuleChange[]).map(describeChange),
        notes: changes?.notes ?? [],
      })),
    };
  }),
});
