import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { buildJobLogChunks, buildJobs, pipelines } from "@/db/schema";
import type { FinishRequest, FinishResponse, HeartbeatResponse, LeasedJob, LogResponse } from "@/runner/protocol";
import { getConfig } from "@/server/config";
import { queues } from "@/server/jobs";
import { enqueueWith } from "@/server/jobs/transactional";
import { lockPipelineOfJob, refreshPipeline } from "./pipelines";
import { notify } from "@/server/notify";
import { jobIsStuck, stuckText, type Runner } from "./registration";
import { notifyLog, notifyQueue, passQueueWake, queueGeneration, waitForQueue, type QueueWake } from "./signals";
import { ConflictError } from "@/server/errors";
import { mintJobToken } from "@/server/auth/job-tokens";

const pgTextArray = (values: string[]) => `{${values.map((v) => `"${v.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;

/** Hands the oldest matching queued job to this runner; SKIP LOCKED makes concurrent claims disjoint. */
export async function claimJob(db: DbOrTx, runner: Runner): Promise<LeasedJob | null> {
  const { leaseSeconds, heartbeatSeconds } = getConfig().runners;
  // this attempt's ROOKERY_JOB_TOKEN: only its hash is stored, and only a running attempt's is valid
  const jobToken = mintJobToken();
  type Claimed = {
    id: string;
    pipeline_id: string;
    name: string;
    attempt: number;
    steps: LeasedJob["steps"];
    env: Record<string, string>;
    timeout_seconds: number;
    artifact_paths: string[];
  };
  const rows = await db.execute<Claimed>(sql`
    update ${buildJobs} set
      status = 'running', runner_id = ${runner.id}, attempt = attempt + 1, log_bytes = 0,
      cancel_requested = false, exit_code = null, failure_reason = null, job_token_hash = ${jobToken.hash},
      lease_expires_at = now() + make_interval(secs => ${leaseSeconds}),
      started_at = coalesce(started_at, now())
    where id = (
      select id from ${buildJobs}
      where status = 'queued'
        and (arch is null or arch = ${runner.arch})
        and tags <@ ${pgTextArray(runner.tags)}::text[]
      order by queued_at, id
      limit 1
      for update skip locked
    )
    returning id, pipeline_id, name, attempt, steps, env, timeout_seconds, artifact_paths`);
  const job = rows[0];
  if (!job) return null;
  // a running job makes a pending pipeline running; every other transition goes through refreshPipeline
  await db
    .update(pipelines)
    .set({ status: "running", startedAt: sql`coalesce(${pipelines.startedAt}, now())` })
    .where(and(eq(pipelines.id, job.pipeline_id), eq(pipelines.status, "pending")));
  return {
    id: job.id,
    pipelineId: job.pipeline_id,
    name: job.name,
    attempt: job.attempt,
    steps: job.steps,
    env: { ...job.env, ROOKERY_JOB_TOKEN: jobToken.token, ROOKERY_PORTAL_URL: getConfig().publicUrl },
    timeoutSeconds: job.timeout_seconds,
    artifacts: job.artifact_paths,
    leaseSeconds,
    heartbeatSeconds,
  };
}

/** Tells the admins, once per job, about queued jobs that no online runner can take. */
export async function notifyStuckJobs(db: Db): Promise<number> {
  const stuck = await db
    .update(buildJobs)
    .set({ stuckNotifiedAt: sql`now()` })
    .where(and(jobIsStuck, isNull(buildJobs.stuckNotifiedAt), lt(buildJobs.queuedAt, sql`now() - interval '1 minute'`)))
    .returning({ id: buildJobs.id, name: buildJobs.name, tags: buildJobs.tags, arch: buildJobs.arch });
  for (const j of stuck)
    await notify(db, {
      kind: "build.stuck",
      admins: true,
      title: `Job ${j.name} is ${stuckText(j)}`,
      body: "Start or register a runner with these tags (Admin → Runners), or unpause one.",
      link: `/jobs/${j.id}`,
    });
  return stuck.length;
}

/**
 * Requeues jobs whose lease ran out (their runner is gone), or fails them with "runner
 * lost" once they used all attempts. Runs on every poll and from a scheduled worker job.
 */
export async function expireLeases(db: Db) {
  const expired = await db
    .select({ id: buildJobs.id })
    .from(buildJobs)
    .where(and(eq(buildJobs.status, "running"), lt(buildJobs.leaseExpiresAt, sql`now()`)))
    .limit(100);
  for (const { id } of expired) {
    await db.transaction(async (tx) => {
      // another poller is already on it
      if (!(await lockPipelineOfJob(tx, id, { skipLocked: true }))) return;
      const [job] = await tx
        .select()
        .from(buildJobs)
        .where(and(eq(buildJobs.id, id), eq(buildJobs.status, "running"), lt(buildJobs.leaseExpiresAt, sql`now()`)))
        .for("update", { skipLocked: true });
      if (!job) return;
      const lost = `runner lost: no heartbeat for ${getConfig().runners.leaseSeconds} s (attempt ${job.attempt} of ${job.maxAttempts})`;
      await appendSystemLine(tx, job.id, job.attempt, job.logBytes, `\n${lost}\n`);
      if (job.cancelRequested || job.attempt >= job.maxAttempts) {
        await tx
          .update(buildJobs)
          .set({
            status: job.cancelRequested ? "canceled" : "failed",
            failureReason: job.cancelRequested ? "canceled" : lost,
            finishedAt: new Date(),
            leaseExpiresAt: null,
            jobTokenHash: null,
          })
          .where(eq(buildJobs.id, id));
        if (!job.cancelRequested) await enqueueWith(tx, queues.buildJobFinished, [{ jobId: id }]);
      } else {
        await tx
          .update(buildJobs)
          .set({ status: "queued", runnerId: null, leaseExpiresAt: null, jobTokenHash: null, queuedAt: new Date() })
          .where(eq(buildJobs.id, id));
        await notifyQueue(tx);
      }
      await refreshPipeline(tx, job.pipelineId);
    });
  }
  return expired.length;
}

/**
 * Long poll: a job for this runner, or null after `waitSeconds`. Wakes on NOTIFY (a job was
 * queued) and every few seconds to re-check and sweep expired leases.
 */
export async function requestJob(db: Db, runner: Runner, waitSeconds: number, signal?: AbortSignal) {
  const deadline = Date.now() + Math.min(waitSeconds, getConfig().runners.maxWaitSeconds) * 1000;
  let woken: QueueWake = { reason: "timeout" };
  for (;;) {
    const generation = await queueGeneration(db);
    await expireLeasesThrottled(db);
    // the runner hung up: claiming now would strand the job until its lease expires
    if (signal?.aborted) {
      if (woken.reason === "notified") passQueueWake(db, woken.hops);
      return null;
    }
    if (!runner.paused) {
      const job = await claimJob(db, runner);
      if (job) return job;
    }
    if (woken.reason === "notified") passQueueWake(db, woken.hops - 1);
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return null;
    // NOTIFY does the waking; this re-check only covers a lost notification (LISTEN reconnecting)
    woken = await waitForQueue(db, Math.min(left, RECHECK_MS), signal, generation);
  }
}

const RECHECK_MS = 5000;
const lastSweep = new WeakMap<object, number>();

/** Long polls sweep expired leases, but one sweep per second per process is plenty. */
async function expireLeasesThrottled(db: Db) {
  const now = Date.now();
  if (now - (lastSweep.get(db.$sql) ?? 0) < 1000) return;
  lastSweep.set(db.$sql, now);
  await expireLeases(db);
}

export class LeaseError extends ConflictError {}

/** The running job this runner leases in this attempt, locked for update; else LeaseError (HTTP 409). */
async function leased(tx: DbOrTx, runner: Runner, jobId: string, attempt: number) {
  const [job] = await tx.select().from(buildJobs).where(eq(buildJobs.id, jobId)).for("update");
  if (!job || job.runnerId !== runner.id || job.attempt !== attempt || job.status !== "running")
    throw new LeaseError("This runner does not hold the lease of this job (it may have expired and been requeued)");
  return job;
}

/** Renews the lease; the answer tells the runner whether the job was canceled. */
export async function heartbeat(db: Db, runner: Runner, jobId: string, attempt: number): Promise<HeartbeatResponse> {
  return db.transaction(async (tx) => {
    const job = await leased(tx, runner, jobId, attempt);
    await tx
      .update(buildJobs)
      .set({ leaseExpiresAt: sql`now() + make_interval(secs => ${getConfig().runners.leaseSeconds})` })
      .where(eq(buildJobs.id, jobId));
    return { cancel: job.cancelRequested };
  });
}

export async function finishJob(db: Db, runner: Runner, jobId: string, input: FinishRequest): Promise<FinishResponse> {
  return db.transaction(async (tx) => {
    await lockPipelineOfJob(tx, jobId);
    const job = await leased(tx, runner, jobId, input.attempt);
    const status = job.cancelRequested ? "canceled" : input.result;
    await tx
      .update(buildJobs)
      .set({
        status,
        exitCode: input.exitCode,
        failureReason: status === "success" ? null : (input.failureReason ?? (status === "canceled" ? "canceled" : `exit status ${input.exitCode}`)),
        finishedAt: new Date(),
        leaseExpiresAt: null,
        jobTokenHash: null,
      })
      .where(eq(buildJobs.id, jobId));
    await refreshPipeline(tx, job.pipelineId);
    if (status !== "canceled") await enqueueWith(tx, queues.buildJobFinished, [{ jobId }]);
    // live log viewers learn that the log is complete
    await notifyLog(tx, jobId);
    return { status };
  });
}

/** 416: the runner resends from `expected`. */
export class LogOffsetError extends ConflictError {
  override readonly status = 416;
  constructor(readonly expected: number) {
    super(`log chunk does not continue the log: expected offset ${expected}`);
  }
}

/**
 * Appends a chunk at a byte offset. A chunk the server already has (a resend after a lost
 * answer) is acknowledged without storing it twice; a gap is refused with the expected offset.
 */
export async function appendLog(db: Db, runner: Runner, jobId: string, attempt: number, offset: number, data: Buffer): Promise<LogResponse> {
  return db.transaction(async (tx) => {
    const job = await leased(tx, runner, jobId, attempt);
    const have = job.logBytes;
    if (offset > have) throw new LogOffsetError(have);
    const fresh = data.subarray(Math.min(data.length, have - offset));
    if (fresh.length === 0) return { length: have };
    await tx.insert(buildJobLogChunks).values({ jobId, attempt, offset: have, data: fresh });
    await tx
      .update(buildJobs)
      .set({ logBytes: have + fresh.length })
      .where(eq(buildJobs.id, jobId));
    await notifyLog(tx, jobId);
    return { length: have + fresh.length };
  });
}

/** Server-written lines (lease expiry) go into the log the same way a runner's output does. */
async function appendSystemLine(tx: DbOrTx, jobId: string, attempt: number, at: number, text: string) {
  const data = Buffer.from(`\x1b[33m${text.trim()}\x1b[0m\n`);
  await tx.insert(buildJobLogChunks).values({ jobId, attempt, offset: at, data }).onConflictDoNothing();
  await tx
    .update(buildJobs)
    .set({ logBytes: at + data.length })
    .where(eq(buildJobs.id, jobId));
  await notifyLog(tx, jobId);
}

/** Log chunks after a position (attempt, offset), oldest first, at most `limit`. */
export async function readLog(db: DbOrTx, jobId: string, from: { attempt: number; offset: number }, limit = 500) {
  return db
    .select({ attempt: buildJobLogChunks.attempt, offset: buildJobLogChunks.offset, data: buildJobLogChunks.data })
    .from(buildJobLogChunks)
    .where(and(eq(buildJobLogChunks.jobId, jobId), sql`(${buildJobLogChunks.attempt}, ${buildJobLogChunks.offset}) >= (${from.attempt}, ${from.offset})`))
    .orderBy(asc(buildJobLogChunks.attempt), asc(buildJobLogChunks.offset))
    .limit(limit);
}
