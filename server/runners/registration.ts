import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { buildJobs, runnerRegistrationTokens, runners } from "@/db/schema";
import { hashToken } from "@/server/auth/tokens";
import type { RunnerInfo } from "@/runner/protocol";
import { CredentialsError } from "@/server/errors";

export const REGISTRATION_PREFIX = "rkrt_";
export const RUNNER_TOKEN_PREFIX = "rkr_";

const newSecret = (prefix: string) => prefix + randomBytes(32).toString("base64url");

/** Returns the plaintext once; only its sha256 is stored. */
export async function createRegistrationToken(db: DbOrTx, input: { description: string; createdBy: string | null }) {
  const token = newSecret(REGISTRATION_PREFIX);
  const [row] = await db
    .insert(runnerRegistrationTokens)
    .values({ description: input.description, tokenHash: hashToken(token), tokenPrefix: token.slice(0, 9), createdBy: input.createdBy })
    .returning({ id: runnerRegistrationTokens.id });
  return { id: row.id, token };
}

export async function listRegistrationTokens(db: DbOrTx) {
  return db
    .select({
      id: runnerRegistrationTokens.id,
      description: runnerRegistrationTokens.description,
      tokenPrefix: runnerRegistrationTokens.tokenPrefix,
      createdAt: runnerRegistrationTokens.createdAt,
      revokedAt: runnerRegistrationTokens.revokedAt,
    })
    .from(runnerRegistrationTokens)
    .orderBy(desc(runnerRegistrationTokens.createdAt))
    .limit(100);
}

export async function revokeRegistrationToken(db: DbOrTx, id: string) {
  const rows = await db
    .update(runnerRegistrationTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(runnerRegistrationTokens.id, id), isNull(runnerRegistrationTokens.revokedAt)))
    .returning({ id: runnerRegistrationTokens.id });
  return rows.length > 0;
}

export class RegistrationError extends CredentialsError {}

/** Registers a runner with a valid registration token; returns its own token once. */
export async function registerRunner(db: DbOrTx, registrationToken: string, info: RunnerInfo, opts: { embedded?: boolean } = {}) {
  const [reg] = await db
    .select()
    .from(runnerRegistrationTokens)
    .where(and(eq(runnerRegistrationTokens.tokenHash, hashToken(registrationToken)), isNull(runnerRegistrationTokens.revokedAt)));
  if (!reg) throw new RegistrationError("Unknown or revoked registration token");
  return insertRunner(db, info, reg.id, opts.embedded ?? false);
}

export async function insertRunner(db: DbOrTx, info: RunnerInfo, registrationTokenId: string | null, embedded: boolean) {
  const token = newSecret(RUNNER_TOKEN_PREFIX);
  const [row] = await db
    .insert(runners)
    .values({ ...info, tokenHash: hashToken(token), tokenPrefix: token.slice(0, 8), registrationTokenId, embedded })
    .returning({ id: runners.id });
  return { id: row.id, token };
}

export type Runner = typeof runners.$inferSelect;

/** The runner presenting this token (Bearer), or null if unknown or removed; records the contact (every 5 s at most). */
export async function runnerFromToken(db: DbOrTx, token: string): Promise<Runner | null> {
  if (!token.startsWith(RUNNER_TOKEN_PREFIX)) return null;
  const [row] = await db
    .select()
    .from(runners)
    .where(and(eq(runners.tokenHash, hashToken(token)), isNull(runners.revokedAt)));
  if (!row) return null;
  if (!row.lastContactAt || Date.now() - row.lastContactAt.getTime() > 5000) {
    row.lastContactAt = new Date();
    await db.update(runners).set({ lastContactAt: row.lastContactAt }).where(eq(runners.id, row.id));
  }
  return row;
}

/** Seconds since last contact under which a runner counts as online (a long poll lasts ≤ 30 s). */
export const ONLINE_WITHIN_SECONDS = 60;

/**
 * A queued job no online, unpaused runner can take (its architecture and every tag): it would
 * wait forever, so pages say so (like GitLab's "stuck") and admins are told.
 */
export const jobIsStuck = sql<boolean>`(${buildJobs.status} = 'queued' and not exists (
  select 1 from ${runners} r
  where r.revoked_at is null and not r.paused
    and r.last_contact_at > now() - make_interval(secs => ${ONLINE_WITHIN_SECONDS})
    and (${buildJobs.arch} is null or r.arch = ${buildJobs.arch})
    and ${buildJobs.tags} <@ r.tags))`;

/** "stuck: no online runner with tags gentoo, amd64" */
export function stuckText(job: { tags: string[]; arch: string | null }): string {
  const needs = [...job.tags, ...(job.arch ? [job.arch] : [])];
  return needs.length ? `stuck: no online runner with tags ${needs.join(", ")}` : "stuck: no runner is online";
}

export async function listRunners(db: DbOrTx, page: { limit: number; offset: number }) {
  const rows = await db
    .select({
      id: runners.id,
      name: runners.name,
      arch: runners.arch,
      tags: runners.tags,
      executor: runners.executor,
      concurrency: runners.concurrency,
      version: runners.version,
      tokenPrefix: runners.tokenPrefix,
      embedded: runners.embedded,
      paused: runners.paused,
      lastContactAt: runners.lastContactAt,
      createdAt: runners.createdAt,
      online: sql<boolean>`coalesce(${runners.lastContactAt} > now() - make_interval(secs => ${ONLINE_WITHIN_SECONDS}), false)`,
      currentJobs: sql<number>`(select count(*)::int from ${buildJobs} where ${buildJobs.runnerId} = ${runners.id} and ${buildJobs.status} = 'running')`,
    })
    .from(runners)
    .where(isNull(runners.revokedAt))
    .orderBy(runners.name, runners.createdAt)
    .limit(page.limit)
    .offset(page.offset);
  const [{ total }] = await db
    .select({ total: sql<number>`count(*)::int` })
    .from(runners)
    .where(isNull(runners.revokedAt));
  return { rows, total };
}

export async function setRunnerPaused(db: DbOrTx, id: string, paused: boolean) {
  const rows = await db
    .update(runners)
    .set({ paused })
    .where(and(eq(runners.id, id), isNull(runners.revokedAt)))
    .returning({ id: runners.id });
  return rows.length > 0;
}

/** Removing revokes the token (its next request gets 401); its running jobs requeue when their leases expire. */
export async function removeRunner(db: DbOrTx, id: string) {
  const rows = await db
    .update(runners)
    .set({ revokedAt: new Date() })
    .where(and(eq(runners.id, id), isNull(runners.revokedAt)))
    .returning({ id: runners.id });
  return rows.length > 0;
}
