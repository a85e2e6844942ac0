import path from "node:path";
import { and, desc, eq, inArray, lt, ne, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { buildArtifacts, buildJobs, pipelines, users } from "@/db/schema";
import { notify } from "@/server/notify";
import { artifactFile } from "@/server/runners/artifacts";
import { createPipeline, type JobSpec as RunnerJob } from "@/server/runners/pipelines";
import { readLog } from "@/server/runners/queue";
import { FarmInputError } from "./errors";
import { failureOf } from "./failures";
import { profilesForEnvironment } from "./repo";
import { buildJobFor, buildStackJobs, pinTree, publishProfileBuild, type BuildVariant, type JobSpec } from "./index";

/**
 * The build farm on the job engine: a generated build becomes a pipeline that runners with
 * the `gentoo` tag run in their clean per-job rootfs; when a job succeeds its binary
 * packages are published as the profile's binhost (a failed job publishes nothing).
 */
export const FARM_SOURCE = "farm";
const ARTIFACTS_DIR = "artifacts";

/** Runner job names allow no ":"; "build:production:amd64:ruby" → "build.production.amd64.ruby". */
export const runnerJobName = (farmName: string) => farmName.replace(/:/g, ".");

const safePath = /^\/[A-Za-z0-9_./@+*-]+$/;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Writes the generated portage configuration into the job's rootfs (base64, so any content survives the shell). */
function writeFilesScript(files: Record<string, string>): string {
  return Object.entries(files)
    .map(([file, content]) => {
      if (!safePath.test(file) || file.includes("*")) throw new Error(`unsafe generated path ${file}`);
      return `mkdir -p ${quote(path.posix.dirname(file))}\nprintf '%s' ${quote(Buffer.from(content).toString("base64"))} | base64 -d > ${quote(file)}`;
    })
    .join("\n");
}

/**
 * Copies the rootfs files the build produced into the workspace, where the runner collects
 * them: `artifacts/<name>/<absolute path>`. Globs become `find -path` patterns (`**` = any depth).
 */
function collectScript(artifacts: JobSpec["artifacts"]): string {
  const lines = ['ws="$PWD"'];
  for (const a of artifacts) {
    for (const glob of a.paths) {
      if (!safePath.test(glob)) throw new Error(`unsafe artifact glob ${glob}`);
      const segments = glob.split("/");
      const firstWild = segments.findIndex((seg) => seg.includes("*"));
      const root = segments.slice(0, firstWild < 0 ? -1 : firstWild).join("/") || "/";
      const pattern = glob.replace(/\*\*\//g, "").replace(/\*\*/g, "*");
      lines.push(
        `if [ -e ${quote(root)} ]; then find ${quote(root)} -type f -path ${quote(pattern)} | while read -r f; do mkdir -p "$ws/${ARTIFACTS_DIR}/${a.name}$(dirname "$f")" && cp "$f" "$ws/${ARTIFACTS_DIR}/${a.name}$f"; done; fi`,
      );
    }
  }
  return lines.join("\n");
}

/** One generated build as a runner job: config files first, the build steps, then collecting the results. */
export function toRunnerJob(spec: JobSpec, inPipeline: Set<string>): RunnerJob {
  return {
    name: runnerJobName(spec.name),
    needs: spec.needs.filter((n) => inPipeline.has(n)).map(runnerJobName),
    arch: spec.arch,
    // the job's arch is matched by the runner's arch; runner tags have no ":"
    tags: spec.tags.filter((t) => !t.startsWith("arch:")),
    env: spec.env,
    steps: [
      ...(Object.keys(spec.files).length ? [{ name: "Write the portage configuration", run: writeFilesScript(spec.files) }] : []),
      ...spec.steps.map((s) => ({ name: s.name, run: s.script.join("\n") })),
      { name: "Collect packages and logs", run: collectScript(spec.artifacts) },
    ],
    artifacts: [`${ARTIFACTS_DIR}/**`],
    artifactKind: "binpkg",
    timeoutSeconds: 6 * 3600,
    maxAttempts: 2,
  };
}

export type FarmBuildInput = { environment: string; arch: string; variant: BuildVariant } & ({ profile: string } | { stack: string });

/** "Build" / "Build stack" on the farm page: the pipeline, queued for the runners. */
export async function startFarmBuild(db: Db, input: FarmBuildInput, userId: string | null, override?: (spec: JobSpec) => JobSpec) {
  const tree = await pinTree(db, input.environment);
  const specs =
    "profile" in input ?
      [await buildJobFor(db, { environment: input.environment, arch: input.arch, profile: input.profile, variant: input.variant, tree })]
    : await buildStackJobs(db, { environment: input.environment, arch: input.arch, stack: input.stack, variant: input.variant, tree });
  const jobs = specs.map((s) => override?.(s) ?? s);
  const names = new Set(jobs.map((j) => j.name));
  const what = "profile" in input ? input.profile : `stack ${input.stack}`;
  return createPipeline(
    db,
    {
      name: `Build ${what} for ${input.environment}/${input.arch} (${input.variant})`,
      source: FARM_SOURCE,
      ref: input.environment,
      jobs: jobs.map((j) => toRunnerJob(j, names)),
    },
    userId,
  );
}

type FarmTarget = { environment: string; arch: string; profile: string };

function targetOf(job: { name: string; env: unknown }): FarmTarget {
  const env = job.env as Record<string, string>;
  const target = { environment: env.ROOKERY_ENVIRONMENT, arch: env.ROOKERY_ARCH, profile: env.ROOKERY_PROFILE };
  if (!target.environment || !target.arch || !target.profile)
    throw new FarmInputError("profile", `job ${job.name} does not name its environment, arch and profile`);
  return target;
}

/** The status of the farm build of the same target that finished before this one (null: none). */
async function previousOutcome(db: Db, jobId: string, target: FarmTarget, finishedAt: Date) {
  const [prev] = await db
    .select({ status: buildJobs.status })
    .from(buildJobs)
    .innerJoin(pipelines, eq(pipelines.id, buildJobs.pipelineId))
    .where(
      and(
        eq(pipelines.source, FARM_SOURCE),
        ne(buildJobs.id, jobId),
        inArray(buildJobs.status, ["success", "failed"]),
        lt(buildJobs.finishedAt, finishedAt),
        sql`${buildJobs.env}->>'ROOKERY_ENVIRONMENT' = ${target.environment}`,
        sql`${buildJobs.env}->>'ROOKERY_ARCH' = ${target.arch}`,
        sql`${buildJobs.env}->>'ROOKERY_PROFILE' = ${target.profile}`,
      ),
    )
    .orderBy(desc(buildJobs.finishedAt))
    .limit(1);
  return prev?.status ?? null;
}

const what = (t: FarmTarget) => `${t.profile} (${t.environment}/${t.arch})`;

/** The profile's `owners` (usernames in its YAML, on the environment's branch) as user ids. */
async function ownersOf(db: Db, t: FarmTarget): Promise<string[]> {
  const branch = await profilesForEnvironment(db, t.environment).catch(() => null);
  const names = branch?.profiles.get(t.profile)?.owners ?? [];
  if (!names.length) return [];
  const rows = await db.select({ id: users.id }).from(users).where(inArray(users.username, names));
  return rows.map((r) => r.id);
}

/**
 * The worker's handler when a build job finished. A green farm job publishes its packages
 * (and says so when it follows a failure); a failed one publishes nothing and tells the
 * admins which package broke, linking the log line. Other pipelines' jobs are ignored.
 */
export async function farmJobFinished(db: Db, jobId: string) {
  const [row] = await db
    .select({ job: buildJobs, source: pipelines.source })
    .from(buildJobs)
    .innerJoin(pipelines, eq(pipelines.id, buildJobs.pipelineId))
    .where(eq(buildJobs.id, jobId));
  if (!row || row.source !== FARM_SOURCE || !["success", "failed"].includes(row.job.status)) return null;
  const target = targetOf(row.job);
  const previous = await previousOutcome(db, jobId, target, row.job.finishedAt ?? new Date());

  if (row.job.status === "failed") {
    const failure = failureOf(groupByAttempt(await readLog(db, jobId, { attempt: 0, offset: 0 }, 100_000)));
    await notify(db, {
      kind: "farm.build_failed",
      admins: true,
      userIds: await ownersOf(db, target),
      title: `Build of ${what(target)} failed${failure.package ? ` at ${failure.package}` : ""}`,
      body: failure.text || row.job.failureReason || "",
      link: `/jobs/${jobId}${failure.line ? `#L${failure.line}` : ""}`,
    });
    return { failed: failure };
  }

  const artifacts = await db
    .select()
    .from(buildArtifacts)
    .where(and(eq(buildArtifacts.jobId, jobId), eq(buildArtifacts.attempt, row.job.attempt)));
  const files = artifacts.filter((a) => a.name.startsWith(`${ARTIFACTS_DIR}/binpkgs/`) && a.name.endsWith(".gpkg.tar")).map((a) => artifactFile(a.storageKey));
  const published = await publishProfileBuild(db, { ...target, files, jobId });
  if (previous === "failed")
    await notify(db, {
      kind: "farm.build_recovered",
      admins: true,
      userIds: await ownersOf(db, target),
      title: `Build of ${what(target)} is green again`,
      body: `${published.packages} packages published`,
      link: `/jobs/${jobId}`,
    });
  return { published };
}

function groupByAttempt(chunks: { attempt: number; data: Buffer }[]) {
  const out: { attempt: number; text: string }[] = [];
  for (const c of chunks) {
    const last = out.at(-1);
    if (last && last.attempt === c.attempt) last.text += c.data.toString("utf8");
    else out.push({ attempt: c.attempt, text: c.data.toString("utf8") });
  }
  return out;
}
