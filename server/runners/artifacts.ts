import type { Readable } from "node:stream";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { buildArtifacts, buildJobs } from "@/db/schema";
import { getConfig } from "@/server/config";
import { localArtifactStore, type ArtifactStore } from "./artifact-store";
import { LeaseError } from "./queue";
import type { Runner } from "./registration";

export function artifactStore(): ArtifactStore {
  return localArtifactStore(getConfig().runners.artifactsDir);
}

/** An artifact's bytes as a local file (the build farm publishes packages from these). */
export function artifactFile(storageKey: string): string {
  const file = artifactStore().localPath(storageKey);
  if (!file) throw new Error("the artifact store keeps no local files");
  return file;
}

/**
 * Streams an artifact into the store (sha256 verified) and records it for this attempt; the
 * row is written only after the bytes are in place, so an interrupted upload leaves nothing.
 */
export async function uploadArtifact(db: Db, runner: Runner, input: { jobId: string; attempt: number; name: string; sha256: string }, body: Readable) {
  const [job] = await db.select().from(buildJobs).where(eq(buildJobs.id, input.jobId));
  if (!job || job.runnerId !== runner.id || job.attempt !== input.attempt || job.status !== "running")
    throw new LeaseError("This runner does not hold the lease of this job");
  const key = `${input.jobId}/${input.attempt}/${crypto.randomUUID()}`;
  const store = artifactStore();
  const stored = await store.put(key, body, { sha256: input.sha256 });
  try {
    return await db.transaction(async (tx) => {
      const [still] = await tx
        .select({ id: buildJobs.id })
        .from(buildJobs)
        .where(and(eq(buildJobs.id, input.jobId), eq(buildJobs.runnerId, runner.id), eq(buildJobs.attempt, input.attempt), eq(buildJobs.status, "running")))
        .for("update");
      if (!still) throw new LeaseError("The lease of this job ended during the upload");
      const [old] = await tx
        .delete(buildArtifacts)
        .where(and(eq(buildArtifacts.jobId, input.jobId), eq(buildArtifacts.attempt, input.attempt), eq(buildArtifacts.name, input.name)))
        .returning();
      const [row] = await tx
        .insert(buildArtifacts)
        .values({
          jobId: input.jobId,
          attempt: input.attempt,
          name: input.name,
          kind: job.artifactKind,
          size: stored.size,
          sha256: stored.sha256,
          storageKey: key,
          expiresAt: expiry(job.artifactKind),
        })
        .returning();
      if (old) await store.delete(old.storageKey);
      return row;
    });
  } catch (e) {
    await store.delete(key);
    throw e;
  }
}

function expiry(kind: string) {
  const days = getConfig().runners.artifactRetentionDays(kind);
  return days > 0 ? new Date(Date.now() + days * 86_400_000) : null;
}

/** Deletes expired artifacts: the row first (no longer listed), then the bytes. */
export async function deleteExpiredArtifacts(db: Db) {
  const store = artifactStore();
  let deleted = 0;
  for (;;) {
    const rows = await db
      .delete(buildArtifacts)
      .where(
        inArray(
          buildArtifacts.id,
          db
            .select({ id: buildArtifacts.id })
            .from(buildArtifacts)
            .where(lt(buildArtifacts.expiresAt, sql`now()`))
            .limit(500),
        ),
      )
      .returning();
    for (const r of rows) await store.delete(r.storageKey);
    deleted += rows.length;
    if (rows.length < 500) return { deleted };
  }
}

export async function getArtifact(db: DbOrTx, id: string) {
  const [row] = await db.select().from(buildArtifacts).where(eq(buildArtifacts.id, id));
  return row ?? null;
}
