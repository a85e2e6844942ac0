import { randomBytes } from "node:crypto";
import { and, eq, gt, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { buildJobs } from "@/db/schema";
import type { Actor } from "./policy";
import { hashToken } from "./tokens";

/** Job tokens (GitLab's CI_JOB_TOKEN): handed to one attempt of a job as ROOKERY_JOB_TOKEN. */
export const JOB_TOKEN_PREFIX = "rkjob_";

/** A fresh token and the hash to store with the attempt (the plaintext is never stored). */
export function mintJobToken() {
  const token = JOB_TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

export type JobActor = Extract<Actor, { kind: "job" }>;

/**
 * The job whose running attempt holds this token, or null: the token dies with the attempt
 * (finished, canceled, lease expired, or requeued for a new attempt with a new token).
 */
export async function verifyJobToken(db: DbOrTx, token: string): Promise<JobActor | null> {
  if (!token.startsWith(JOB_TOKEN_PREFIX)) return null;
  const [job] = await db
    .select({ id: buildJobs.id, pipelineId: buildJobs.pipelineId })
    .from(buildJobs)
    .where(
      and(
        eq(buildJobs.jobTokenHash, hashToken(token)),
        eq(buildJobs.status, "running"),
        eq(buildJobs.cancelRequested, false),
        gt(buildJobs.leaseExpiresAt, sql`now()`),
      ),
    );
  return job ? { kind: "job", jobId: job.id, pipelineId: job.pipelineId } : null;
}
