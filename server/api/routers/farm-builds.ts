import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { FarmInputError } from "@/server/farm/errors";
import { startFarmBuild } from "@/server/farm/pipeline";
import { FieldError, protectedProcedure, router } from "../trpc";

const name = z.string().trim().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "Not a valid name");

/** Running farm builds on the runners (the profiles, binhost and catalog are in the farm router). */
export const farmBuildsRouter = router({
  canStart: protectedProcedure.query(({ ctx }) => can(ctx.actor, "farm:manage")),

  /** "Run this build" / "Build stack": a pipeline of the generated jobs; returns its id. */
  start: protectedProcedure
    .input(
      z.object({ environment: name, arch: name, variant: z.enum(["incremental", "clean"]) }).and(z.union([z.object({ profile: name }), z.object({ stack: name })])),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "farm:manage");
      try {
        const p = await startFarmBuild(ctx.db, input, ctx.user.id);
        ctx.audit.targetType = "pipeline";
        ctx.audit.targetId = p.id;
        ctx.audit.details = input;
        return { pipelineId: p.id };
      } catch (e) {
        if (e instanceof FarmInputError) throw new FieldError(e.field, e.message);
        throw e;
      }
    }),
});
