import { z } from "zod";
import { authorize } from "@/server/auth/policy";
import { cherryPickInput, cherryPickUpstream, promoteTree, requestTreeSync, treeBranch, treeStatus, upstreamCommitsMissing } from "@/server/farm/tree";
import { protectedProcedure, router } from "../trpc";

/** The portage tree mirror infrastructure/gentoo (Admin → Build farm → Portage tree): administrators only. */
export const portageTreeRouter = router({
  status: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "admin:access");
    return treeStatus(ctx.db);
  }),

  /** Upstream commits a branch lacks, for choosing a cherry-pick. */
  missing: protectedProcedure.input(z.object({ target: treeBranch })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "admin:access");
    return upstreamCommitsMissing(ctx.db, input.target);
  }),

  syncNow: protectedProcedure.mutation(async ({ ctx }) => {
    authorize(ctx.actor, "farm:manage");
    const jobId = await requestTreeSync(ctx.user);
    Object.assign(ctx.audit, { targetType: "portage_tree", targetId: "infrastructure/gentoo", details: { jobId } });
    return { jobId };
  }),

  promote: protectedProcedure.input(z.object({ from: z.enum(["development", "staging"]) })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const mr = await promoteTree(ctx.db, ctx.user, input.from);
    Object.assign(ctx.audit, { targetType: "portage_tree", targetId: "infrastructure/gentoo", details: { promote: input.from, mr: mr.number } });
    return mr;
  }),

  cherryPick: protectedProcedure.input(cherryPickInput).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const mr = await cherryPickUpstream(ctx.db, ctx.user, input);
    Object.assign(ctx.audit, { targetType: "portage_tree", targetId: "infrastructure/gentoo", details: { ...input, mr: mr.number, branch: mr.branch } });
    return mr;
  }),
});
