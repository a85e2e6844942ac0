import { TRPCError } from "@trpc/server";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { authorize } from "@/server/auth/policy";
import { getOrgBySlug } from "@/server/orgs";
import { authorizePipeline, mayRunPipelines, visibleOrgIds } from "@/server/auth/policies/pipeline";
import {
  cancelJob,
  cancelPipeline,
  createPipeline,
  getJob,
  getPipeline,
  listPipelines,
  pipelineSpecSchema,
  pipelineStatuses,
  retryJob,
} from "@/server/runners/pipelines";
import {
  createRegistrationToken,
  listRegistrationTokens,
  listRunners,
  removeRunner,
  revokeRegistrationToken,
  setRunnerPaused,
} from "@/server/runners/registration";
import { InputError } from "@/server/errors";
import { protectedProcedure, router } from "../trpc";

const PAGE = 25;
const page = z.number().int().min(1).max(10_000).default(1);

/** Runners (admin), pipelines and jobs (by org membership), and the UI's "Run pipeline". */
export const runnersRouter = router({
  list: protectedProcedure.input(z.object({ page }).default({ page: 1 })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "runners:read");
    const { rows, total } = await listRunners(ctx.db, { limit: PAGE, offset: (input.page - 1) * PAGE });
    return { rows, total, page: input.page, hasMore: input.page * PAGE < total, registrationTokens: await listRegistrationTokens(ctx.db) };
  }),

  /** The plaintext token is in this answer only. */
  createRegistrationToken: protectedProcedure
    .input(z.object({ description: z.string().trim().min(1, "Describe where it will be used").max(200) }))
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "runners:manage");
      const r = await createRegistrationToken(ctx.db, { description: input.description, createdBy: ctx.user.id });
      ctx.audit.targetType = "runner_registration_token";
      ctx.audit.targetId = r.id;
      ctx.audit.details = { description: input.description };
      return r;
    }),

  revokeRegistrationToken: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "runners:manage");
    if (!(await revokeRegistrationToken(ctx.db, input.id))) throw new TRPCError({ code: "NOT_FOUND", message: "No such active token" });
    ctx.audit.targetType = "runner_registration_token";
    ctx.audit.targetId = input.id;
  }),

  setPaused: protectedProcedure.input(z.object({ id: z.uuid(), paused: z.boolean() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "runners:manage");
    if (!(await setRunnerPaused(ctx.db, input.id, input.paused))) throw new TRPCError({ code: "NOT_FOUND", message: "No such runner" });
    ctx.audit.targetType = "runner";
    ctx.audit.targetId = input.id;
    ctx.audit.details = { paused: input.paused };
  }),

  remove: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "runners:manage");
    if (!(await removeRunner(ctx.db, input.id))) throw new TRPCError({ code: "NOT_FOUND", message: "No such runner" });
    ctx.audit.targetType = "runner";
    ctx.audit.targetId = input.id;
  }),

  pipelines: protectedProcedure
    .input(
      z
        .object({
          page,
          status: z.enum(pipelineStatuses).optional(),
          org: z.string().max(100).optional(),
          source: z.string().max(50).optional(),
          ref: z.string().max(255).optional(),
          q: z.string().trim().max(100).optional(),
        })
        .default({ page: 1 }),
    )
    .query(async ({ ctx, input }) => {
      const orgIds = await visibleOrgIds(ctx.db, ctx.actor);
      let orgId: string | undefined;
      if (input.org) {
        const org = await getOrgBySlug(ctx.db, input.org);
        orgId = org?.id ?? "00000000-0000-0000-0000-000000000000";
      }
      const { rows, total } = await listPipelines(
        ctx.db,
        { status: input.status, orgId, orgIds, source: input.source, ref: input.ref, q: input.q || undefined },
        { limit: PAGE, offset: (input.page - 1) * PAGE },
      );
      return { rows, total, page: input.page, hasMore: input.page * PAGE < total, canRun: mayRunPipelines(ctx.actor) };
    }),

  pipeline: protectedProcedure.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const p = await getPipeline(ctx.db, input.id);
    if (!p) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
    await authorizePipeline(ctx.db, ctx.actor, p, "read");
    return p;
  }),

  job: protectedProcedure.input(z.object({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const j = await getJob(ctx.db, input.id);
    if (!j) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
    const p = await getPipeline(ctx.db, j.pipelineId);
    await authorizePipeline(ctx.db, ctx.actor, p!, "read");
    const canManage = await authorizePipeline(ctx.db, ctx.actor, p!, "manage").then(
      () => true,
      () => false,
    );
    const { steps, env, ...rest } = j;
    return {
      ...rest,
      steps: steps.map((s, i) => ({ name: s.name ?? s.run.split("\n")[0], index: i + 1 })),
      envNames: Object.keys(env),
      orgSlug: p!.orgSlug,
      canManage,
    };
  }),

  cancelJob: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const j = await getJob(ctx.db, input.id);
    if (!j) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
    await authorizePipeline(ctx.db, ctx.actor, (await getPipeline(ctx.db, j.pipelineId))!, "manage");
    Object.assign(ctx.audit, { orgId: j.pipeline.orgId, targetType: "build_job", targetId: j.id });
    return { result: await cancelJob(ctx.db, input.id) };
  }),

  retryJob: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const j = await getJob(ctx.db, input.id);
    if (!j) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
    await authorizePipeline(ctx.db, ctx.actor, (await getPipeline(ctx.db, j.pipelineId))!, "manage");
    Object.assign(ctx.audit, { orgId: j.pipeline.orgId, targetType: "build_job", targetId: j.id });
    await retryJob(ctx.db, input.id);
  }),

  cancelPipeline: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const p = await getPipeline(ctx.db, input.id);
    if (!p) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
    await authorizePipeline(ctx.db, ctx.actor, p, "manage");
    Object.assign(ctx.audit, { orgId: p.orgId, targetType: "pipeline", targetId: p.id });
    await cancelPipeline(ctx.db, p.id);
  }),

  /** Admins: a pipeline from a YAML document `jobs: [{name, needs, steps: [..], artifacts: [..]}]`. */
  run: protectedProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, "Give the pipeline a name").max(200),
        org: z.string().max(100).optional(),
        yaml: z.string().min(1, "Describe the jobs").max(200_000),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "pipelines:run");
      let doc: unknown;
      try {
        doc = parseYaml(input.yaml);
      } catch (e) {
        throw new InputError("yaml", `Not valid YAML: ${(e as Error).message.split("\n")[0]}`);
      }
      const orgId = input.org ? (await getOrgBySlug(ctx.db, input.org))?.id : null;
      if (input.org && !orgId) throw new InputError("org", `No organization "${input.org}"`);
      const jobs = (doc as { jobs?: unknown } | null)?.jobs ?? doc;
      const spec = pipelineSpecSchema.safeParse({ name: input.name, source: "ui", orgId, jobs: normalizeSteps(jobs) });
      if (!spec.success) {
        const i = spec.error.issues[0];
        throw new InputError("yaml", `${i.path.join(".")}: ${i.message}`);
      }
      const p = await createPipeline(ctx.db, spec.data, ctx.user.id);
      Object.assign(ctx.audit, { orgId, targetType: "pipeline", targetId: p.id, details: { name: p.name, jobs: spec.data.jobs.length } });
      return { id: p.id };
    }),
});

/** YAML steps may be plain strings (the command) as in GitLab's `script:`. */
function normalizeSteps(jobs: unknown) {
  if (!Array.isArray(jobs)) return jobs;
  return jobs.map((j) =>
    j && typeof j === "object" && Array.isArray((j as { steps?: unknown }).steps) ?
      { ...j, steps: (j as { steps: unknown[] }).steps.map((s) => (typeof s === "string" ? { run: s } : s)) }
    : j,
  );
}
