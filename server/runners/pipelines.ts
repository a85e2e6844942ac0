import { and, asc, desc, eq, ilike, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { containsPattern } from "@/db/like";
import { buildArtifacts, buildJobs, organizations, pipelines, runners } from "@/db/schema";
import { notifyLog, notifyQueue } from "./signals";
import { jobIsStuck, stuckText } from "./registration";
import { StateError } from "@/server/errors";

const envSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env names are letters, digits and _"), z.string());

export const jobSpecSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "job names are letters, digits, . _ - (up to 64)"),
  needs: z.array(z.string()).max(50).default([]),
  steps: z
    .array(z.object({ name: z.string().trim().min(1).max(200).optional(), run: z.string().min(1).max(100_000), env: envSchema.optional() }))
    .min(1, "a job needs at least one step")
    .max(200),
  env: envSchema.default({}),
  arch: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/)
    .optional(),
  tags: z.array(z.string().min(1).max(64)).max(50).default([]),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86400)
    .default(3600),
  artifacts: z.array(z.string().min(1).max(500)).max(100).default([]),
  artifactKind: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/)
    .default("file"),
  maxAttempts: z.number().int().min(1).max(10).default(3),
});
export type JobSpec = z.input<typeof jobSpecSchema>;

export const pipelineSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    source: z.string().min(1).max(50).default("api"),
    orgId: z.string().uuid().nullable().default(null),
    ref: z.string().max(255).nullable().default(null),
    jobs: z.array(jobSpecSchema).min(1, "a pipeline needs at least one job").max(500),
  })
  .superRefine((p, ctx) => {
    const names = new Set<string>();
    p.jobs.forEach((j, i) => {
      if (names.has(j.name)) ctx.addIssue({ code: "custom", path: ["jobs", i, "name"], message: `two jobs are named "${j.name}"` });
      names.add(j.name);
    });
    p.jobs.forEach((j, i) => {
      for (const n of j.needs)
        if (!names.has(n)) ctx.addIssue({ code: "custom", path: ["jobs", i, "needs"], message: `job "${j.name}" needs unknown job "${n}"` });
    });
    const cycle = findCycle(p.jobs);
    if (cycle) ctx.addIssue({ code: "custom", path: ["jobs"], message: `the needs form a cycle: ${cycle.join(" → ")}` });
  });
export type PipelineSpec = z.input<typeof pipelineSpecSchema>;

function findCycle(jobs: { name: string; needs: string[] }[]): string[] | null {
  const needs = new Map(jobs.map((j) => [j.name, j.needs]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === "done") return null;
    if (state.get(n) === "visiting") return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, "visiting");
    stack.push(n);
    for (const m of needs.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, "done");
    return null;
  };
  for (const j of jobs) {
    const c = visit(j.name);
    if (c) return c;
  }
  return null;
}

/** The domain API other code (build farm, tinderbox, the UI) calls: one transaction, jobs without needs queued. */
export async function createPipeline(db: DbOrTx, input: PipelineSpec, createdBy: string | null = null) {
  const spec = pipelineSpecSchema.parse(input);
  return db.transaction(async (tx) => {
    const [p] = await tx.insert(pipelines).values({ name: spec.name, source: spec.source, orgId: spec.orgId, ref: spec.ref, createdBy }).returning();
    await tx.insert(buildJobs).values(
      spec.jobs.map((j) => ({
        pipelineId: p.id,
        name: j.name,
        needs: j.needs,
        steps: j.steps,
        env: j.env,
        arch: j.arch ?? null,
        tags: j.tags,
        timeoutSeconds: j.timeoutSeconds,
        artifactPaths: j.artifacts,
        artifactKind: j.artifactKind,
        maxAttempts: j.maxAttempts,
        status: j.needs.length === 0 ? ("queued" as const) : ("created" as const),
        queuedAt: j.needs.length === 0 ? new Date() : null,
      })),
    );
    await notifyQueue(tx, spec.jobs.filter((j) => j.needs.length === 0).length);
    return p;
  });
}

const terminal = new Set(["success", "failed", "canceled", "skipped"]);

/**
 * Moves waiting jobs whose needs are met to the queue (or skips them when a need did not
 * succeed) and derives the pipeline's status. Call inside the transaction that changed a job.
 */
export async function refreshPipeline(tx: DbOrTx, pipelineId: string) {
  const jobs = await tx
    .select({ id: buildJobs.id, name: buildJobs.name, needs: buildJobs.needs, status: buildJobs.status, attempt: buildJobs.attempt })
    .from(buildJobs)
    .where(eq(buildJobs.pipelineId, pipelineId))
    .for("update");
  const status = new Map(jobs.map((j) => [j.name, j.status as string]));
  const toQueue: string[] = [];
  const toSkip: string[] = [];
  for (let changed = true; changed;) {
    changed = false;
    for (const j of jobs) {
      if (status.get(j.name) !== "created") continue;
      const needs = j.needs.map((n) => status.get(n));
      if (needs.some((s) => s === "failed" || s === "canceled" || s === "skipped")) {
        status.set(j.name, "skipped");
        toSkip.push(j.id);
        changed = true;
      } else if (needs.every((s) => s === "success")) {
        status.set(j.name, "queued");
        toQueue.push(j.id);
        changed = true;
      }
    }
  }
  if (toSkip.length) await tx.update(buildJobs).set({ status: "skipped", finishedAt: new Date() }).where(inArray(buildJobs.id, toSkip));
  if (toQueue.length) {
    await tx.update(buildJobs).set({ status: "queued", queuedAt: new Date() }).where(inArray(buildJobs.id, toQueue));
    await notifyQueue(tx, toQueue.length);
  }
  const all = [...status.values()];
  let next: "pending" | "running" | "success" | "failed" | "canceled";
  if (all.every((s) => terminal.has(s)))
    next =
      all.includes("failed") ? "failed"
      : all.includes("canceled") || all.includes("skipped") ? "canceled"
      : "success";
  else next = jobs.some((j) => j.attempt > 0) ? "running" : "pending";
  const done = terminal.has(next);
  await tx
    .update(pipelines)
    .set({
      status: next,
      startedAt: next === "pending" ? undefined : sql`coalesce(${pipelines.startedAt}, now())`,
      finishedAt: done ? sql`coalesce(${pipelines.finishedAt}, now())` : null,
    })
    .where(eq(pipelines.id, pipelineId));
}

/**
 * Every transaction that changes a job and then re-derives its pipeline takes the pipeline's
 * row lock first: two jobs of one pipeline finishing at once then queue up instead of
 * deadlocking on each other's job rows in refreshPipeline.
 */
export async function lockPipelineOfJob(tx: DbOrTx, jobId: string, opts: { skipLocked?: boolean } = {}) {
  const rows = await tx.execute(
    sql`select id from ${pipelines} where id = (select pipeline_id from ${buildJobs} where id = ${jobId}) for update ${opts.skipLocked ? sql`skip locked` : sql``}`,
  );
  return rows.length > 0;
}

export class JobStateError extends StateError {}

/** Cancel: waiting jobs stop at once; a running job is told on its runner's next heartbeat. */
export async function cancelJob(db: Db, jobId: string) {
  return db.transaction(async (tx) => {
    await lockPipelineOfJob(tx, jobId);
    const [job] = await tx.select().from(buildJobs).where(eq(buildJobs.id, jobId)).for("update");
    if (!job) throw new JobStateError("No such job");
    if (job.status === "running") {
      await tx.update(buildJobs).set({ cancelRequested: true }).where(eq(buildJobs.id, jobId));
      return "requested" as const;
    }
    if (job.status !== "created" && job.status !== "queued") throw new JobStateError(`The job already ended (${job.status})`);
    await tx.update(buildJobs).set({ status: "canceled", finishedAt: new Date() }).where(eq(buildJobs.id, jobId));
    await refreshPipeline(tx, job.pipelineId);
    await notifyLog(tx, jobId);
    return "canceled" as const;
  });
}

export async function cancelPipeline(db: Db, pipelineId: string) {
  const jobs = await db
    .select({ id: buildJobs.id })
    .from(buildJobs)
    .where(and(eq(buildJobs.pipelineId, pipelineId), inArray(buildJobs.status, ["created", "queued", "running"])));
  for (const j of jobs) await cancelJob(db, j.id).catch((e) => (e instanceof JobStateError ? null : Promise.reject(e)));
}

/** Retry a failed or canceled job: it runs again (one more attempt), and jobs skipped because of it wait again. */
export async function retryJob(db: Db, jobId: string) {
  return db.transaction(async (tx) => {
    await lockPipelineOfJob(tx, jobId);
    const [job] = await tx.select().from(buildJobs).where(eq(buildJobs.id, jobId)).for("update");
    if (!job) throw new JobStateError("No such job");
    if (job.status !== "failed" && job.status !== "canceled")
      throw new JobStateError(`Only failed or canceled jobs can be retried (this one is ${job.status})`);
    await tx
      .update(buildJobs)
      .set({
        status: "queued",
        queuedAt: new Date(),
        finishedAt: null,
        exitCode: null,
        failureReason: null,
        cancelRequested: false,
        runnerId: null,
        leaseExpiresAt: null,
        maxAttempts: Math.max(job.maxAttempts, job.attempt + 1),
      })
      .where(eq(buildJobs.id, jobId));
    await tx
      .update(buildJobs)
      .set({ status: "created", finishedAt: null })
      .where(and(eq(buildJobs.pipelineId, job.pipelineId), eq(buildJobs.status, "skipped")));
    await notifyQueue(tx);
    await refreshPipeline(tx, job.pipelineId);
  });
}

export const pipelineStatuses = ["pending", "running", "success", "failed", "canceled"] as const;

export async function listPipelines(
  db: DbOrTx,
  filter: { status?: (typeof pipelineStatuses)[number]; orgId?: string | null; orgIds?: string[]; source?: string; ref?: string; q?: string },
  page: { limit: number; offset: number },
) {
  const where: SQL[] = [];
  if (filter.status) where.push(eq(pipelines.status, filter.status));
  if (filter.orgId) where.push(eq(pipelines.orgId, filter.orgId));
  if (filter.source) where.push(eq(pipelines.source, filter.source));
  if (filter.ref) where.push(eq(pipelines.ref, filter.ref));
  // the repository or build profile a pipeline is for is in its name ("Build ruby for …")
  if (filter.q) where.push(ilike(pipelines.name, containsPattern(filter.q)));
  if (filter.orgIds) where.push(filter.orgIds.length ? inArray(pipelines.orgId, filter.orgIds) : sql`false`);
  const cond = where.length ? and(...where) : undefined;
  const rows = await db
    .select({
      id: pipelines.id,
      number: pipelines.number,
      name: pipelines.name,
      source: pipelines.source,
      ref: pipelines.ref,
      status: pipelines.status,
      orgSlug: organizations.slug,
      createdAt: pipelines.createdAt,
      startedAt: pipelines.startedAt,
      finishedAt: pipelines.finishedAt,
      jobs: sql<number>`(select count(*)::int from ${buildJobs} where ${buildJobs.pipelineId} = ${pipelines.id})`,
    })
    .from(pipelines)
    .leftJoin(organizations, eq(organizations.id, pipelines.orgId))
    .where(cond)
    .orderBy(desc(pipelines.createdAt))
    .limit(page.limit)
    .offset(page.offset);
  const [{ total }] = await db
    .select({ total: sql<number>`count(*)::int` })
    .from(pipelines)
    .where(cond);
  return { rows, total };
}

export async function getPipeline(db: DbOrTx, id: string) {
  const [p] = await db
    .select({ pipeline: pipelines, orgSlug: organizations.slug })
    .from(pipelines)
    .leftJoin(organizations, eq(organizations.id, pipelines.orgId))
    .where(eq(pipelines.id, id));
  if (!p) return null;
  const jobs = await db
    .select({
      id: buildJobs.id,
      name: buildJobs.name,
      needs: buildJobs.needs,
      status: buildJobs.status,
      arch: buildJobs.arch,
      tags: buildJobs.tags,
      attempt: buildJobs.attempt,
      maxAttempts: buildJobs.maxAttempts,
      queuedAt: buildJobs.queuedAt,
      startedAt: buildJobs.startedAt,
      finishedAt: buildJobs.finishedAt,
      failureReason: buildJobs.failureReason,
      runnerName: runners.name,
      stuck: jobIsStuck,
    })
    .from(buildJobs)
    .leftJoin(runners, eq(runners.id, buildJobs.runnerId))
    .where(eq(buildJobs.pipelineId, id))
    .orderBy(asc(buildJobs.createdAt), asc(buildJobs.name));
  return { ...p.pipeline, orgSlug: p.orgSlug, jobs: jobs.map((j) => ({ ...j, stuck: j.stuck ? stuckText(j) : null })) };
}

export async function getJob(db: DbOrTx, id: string) {
  const [row] = await db
    .select({ job: buildJobs, runnerName: runners.name, pipeline: pipelines, stuck: jobIsStuck })
    .from(buildJobs)
    .innerJoin(pipelines, eq(pipelines.id, buildJobs.pipelineId))
    .leftJoin(runners, eq(runners.id, buildJobs.runnerId))
    .where(eq(buildJobs.id, id));
  if (!row) return null;
  const artifacts = await db
    .select({
      id: buildArtifacts.id,
      name: buildArtifacts.name,
      size: buildArtifacts.size,
      sha256: buildArtifacts.sha256,
      attempt: buildArtifacts.attempt,
      createdAt: buildArtifacts.createdAt,
    })
    .from(buildArtifacts)
    .where(and(eq(buildArtifacts.jobId, id), eq(buildArtifacts.attempt, row.job.attempt)))
    .orderBy(asc(buildArtifacts.name));
  return { ...row.job, runnerName: row.runnerName, pipeline: row.pipeline, artifacts, stuck: row.stuck ? stuckText(row.job) : null };
}
