import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { buildMatrix, targetHistory } from "@/server/farm/history";
import { startFarmBuild } from "@/server/farm/pipeline";
import { startCatalystStage, startStageBuild, stagesOverview } from "@/server/farm/stages";
import { createSchedule, deleteSchedule, listSchedules, nextRun, setScheduleEnabled } from "@/server/farm/schedules";
import { protectedProcedure, router } from "../trpc";

const name = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "Not a valid name");

/** Running farm builds on the runners (the profiles, binhost and catalog are in the farm router). */
export const farmBuildsRouter = router({
  canStart: protectedProcedure.query(({ ctx }) => can(ctx.actor, "farm:manage")),

  /** "Run this build" / "Build stack": a pipeline of the generated jobs; returns its id. */
  start: protectedProcedure
    .input(
      z
        .object({ environment: name, arch: name, variant: z.enum(["incremental", "clean"]) })
        .and(z.union([z.object({ profile: name }), z.object({ stack: name })])),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "farm:manage");
      const p = await startFarmBuild(ctx.db, input, ctx.user.id);
      ctx.audit.targetType = "pipeline";
      ctx.audit.targetId = p.id;
      ctx.audit.details = input;
      return { pipelineId: p.id };
    }),

  /** Admin → Build farm → Stages: each env × arch × system profile, its latest stage and last run. */
  stages: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "farm:manage");
    return stagesOverview(ctx.db);
  }),

  /** "Build stage": the stage3 job of a system profile, queued for a gentoo runner; returns the pipeline. */
  startStage: protectedProcedure.input(z.object({ environment: name, arch: name, profile: name })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const p = await startStageBuild(ctx.db, input, ctx.user.id);
    ctx.audit.targetType = "pipeline";
    ctx.audit.targetId = p.id;
    ctx.audit.details = input;
    return { pipelineId: p.id };
  }),

  /** The same stage built by catalyst on a runner tagged `catalyst`: a system profile's stage3, or a stack's stage4. */
  startCatalystStage: protectedProcedure
    .input(z.object({ environment: name, arch: name }).and(z.union([z.object({ profile: name }), z.object({ stack: name })])))
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "farm:manage");
      const p = await startCatalystStage(ctx.db, input, ctx.user.id);
      ctx.audit.targetType = "pipeline";
      ctx.audit.targetId = p.id;
      ctx.audit.details = { ...input, builder: "catalyst" };
      return { pipelineId: p.id };
    }),

  schedules: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "farm:read");
    const now = new Date();
    const rows = await listSchedules(ctx.db);
    return {
      canManage: can(ctx.actor, "farm:manage"),
      items: rows.map((s) => ({ ...s, nextRunAt: s.enabled ? nextRun(s, s.lastRunAt && s.lastRunAt > now ? s.lastRunAt : now) : null })),
    };
  }),

  createSchedule: protectedProcedure
    .input(
      z.object({
        environment: name,
        arch: name,
        target: name,
        isStack: z.boolean(),
        variant: z.enum(["incremental", "clean"]),
        trigger: z.string().trim().min(1).max(100),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "farm:manage");
      const s = await createSchedule(ctx.db, input, ctx.user.id);
      ctx.audit.targetType = "farm_schedule";
      ctx.audit.targetId = s.id;
      ctx.audit.details = input;
      return s;
    }),

  setScheduleEnabled: protectedProcedure.input(z.object({ id: z.string().uuid(), enabled: z.boolean() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    if (!(await setScheduleEnabled(ctx.db, input.id, input.enabled))) throw new TRPCError({ code: "NOT_FOUND", message: "No such schedule" });
    ctx.audit.targetType = "farm_schedule";
    ctx.audit.targetId = input.id;
    return { ok: true };
  }),

  deleteSchedule: protectedProcedure.input(z.object({ id: z.string().uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    if (!(await deleteSchedule(ctx.db, input.id))) throw new TRPCError({ code: "NOT_FOUND", message: "No such schedule" });
    ctx.audit.targetType = "farm_schedule";
    ctx.audit.targetId = input.id;
    return { ok: true };
  }),

  /** The dashboard: the last build of every environment × arch × profile. */
  matrix: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "farm:read");
    return buildMatrix(ctx.db);
  }),

  history: protectedProcedure.input(z.object({ environment: name, arch: name, profile: name })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:read");
    return targetHistory(ctx.db, input);
  }),
});
