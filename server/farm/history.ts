import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { binhostPublications, buildJobs, pipelines } from "@/db/schema";
import { ofTarget } from "./binhost";
import { FARM_SOURCE } from "./pipeline";

/**
 * The build farm's dashboard data: the last build of every environment × arch × profile
 * (from the runner jobs of farm pipelines) with its live publication, and one target's
 * history. Targets come from the jobs' ROOKERY_* environment, which the generator sets.
 */
// literal keys (not parameters), so DISTINCT ON and ORDER BY name the same expressions
const envOf = (key: "ROOKERY_ENVIRONMENT" | "ROOKERY_ARCH" | "ROOKERY_PROFILE" | "ROOKERY_TREE_COMMIT" | "ROOKERY_OVERLAY_COMMIT") =>
  sql<string>`${buildJobs.env}->>${sql.raw(`'${key}'`)}`;

export type MatrixCell = {
  environment: string;
  arch: string;
  profile: string;
  jobId: string;
  status: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  packages: number | null;
  bytes: number | null;
};

export async function buildMatrix(db: DbOrTx): Promise<MatrixCell[]> {
  const last = await db
    .selectDistinctOn([envOf("ROOKERY_ENVIRONMENT"), envOf("ROOKERY_ARCH"), envOf("ROOKERY_PROFILE")], {
      environment: envOf("ROOKERY_ENVIRONMENT"),
      arch: envOf("ROOKERY_ARCH"),
      profile: envOf("ROOKERY_PROFILE"),
      jobId: buildJobs.id,
      status: buildJobs.status,
      startedAt: buildJobs.startedAt,
      finishedAt: buildJobs.finishedAt,
    })
    .from(buildJobs)
    .innerJoin(pipelines, eq(pipelines.id, buildJobs.pipelineId))
    .where(eq(pipelines.source, FARM_SOURCE))
    .orderBy(envOf("ROOKERY_ENVIRONMENT"), envOf("ROOKERY_ARCH"), envOf("ROOKERY_PROFILE"), desc(buildJobs.createdAt));
  const live = await db
    .select({
      environment: binhostPublications.environment,
      arch: binhostPublications.arch,
      profile: binhostPublications.profile,
      packages: binhostPublications.packageCount,
      bytes: binhostPublications.bytes,
    })
    .from(binhostPublications)
    .where(and(isNull(binhostPublications.supersededAt), isNull(binhostPublications.removedAt)));
  const key = (x: { environment: string; arch: string; profile: string }) => `${x.environment}/${x.arch}/${x.profile}`;
  const liveBy = new Map(live.map((l) => [key(l), l]));
  return last
    .filter((l) => l.environment && l.arch && l.profile)
    .map((l) => ({ ...l, packages: liveBy.get(key(l))?.packages ?? null, bytes: liveBy.get(key(l))?.bytes ?? null }));
}

/** The last `limit` builds of one target (newest first) and its last publications, for the history charts. */
export async function targetHistory(db: DbOrTx, target: { environment: string; arch: string; profile: string }, limit = 30) {
  const builds = await db
    .select({
      jobId: buildJobs.id,
      pipelineId: buildJobs.pipelineId,
      status: buildJobs.status,
      createdAt: buildJobs.createdAt,
      startedAt: buildJobs.startedAt,
      finishedAt: buildJobs.finishedAt,
      failureReason: buildJobs.failureReason,
      // what it was built from: the pinned commits of the portage tree and our overlay
      treeCommit: envOf("ROOKERY_TREE_COMMIT"),
      overlayCommit: envOf("ROOKERY_OVERLAY_COMMIT"),
    })
    .from(buildJobs)
    .innerJoin(pipelines, eq(pipelines.id, buildJobs.pipelineId))
    .where(
      and(
        eq(pipelines.source, FARM_SOURCE),
        sql`${envOf("ROOKERY_ENVIRONMENT")} = ${target.environment}`,
        sql`${envOf("ROOKERY_ARCH")} = ${target.arch}`,
        sql`${envOf("ROOKERY_PROFILE")} = ${target.profile}`,
      ),
    )
    .orderBy(desc(buildJobs.createdAt))
    .limit(limit);
  const publications = await db
    .select({ createdAt: binhostPublications.createdAt, packages: binhostPublications.packageCount, bytes: binhostPublications.bytes })
    .from(binhostPublications)
    .where(ofTarget(target))
    .orderBy(desc(binhostPublications.createdAt))
    .limit(limit);
  return { builds, publications };
}
