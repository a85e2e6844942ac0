import crypto from "node:crypto";
import fs from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { and, desc, eq } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { buildArtifacts, buildJobs, farmStages, pipelines } from "@/db/schema";
import { getConfig } from "@/server/config";
import { ConflictError, InputError } from "@/server/errors";
import { notify } from "@/server/notify";
import { getSigningKey, withSigner } from "@/server/pki/gpg";
import { artifactFile } from "@/server/runners/artifacts";
import { createPipeline } from "@/server/runners/pipelines";
import { archPattern, envPattern } from "./binhost";
import { CATALYST_STOREDIR, catalystJob, portageConfdir, stage3Spec, stage4Files, stage4Spec, subarchOf } from "./catalyst";
import { getArchitecture, listArchitectures, listEnvironments } from "./catalog";
import { FarmInputError } from "./errors";
import { overlayFor, pinTree, type JobSpec } from "./index";
import { toRunnerJob } from "./pipeline";
import { profileNamePattern } from "./profiles";
import { profilesForEnvironment } from "./repo";
import { generateStage3, parseDigests, STAGE_ARTIFACTS, stageFileName, stageStamp, stampPattern, type StageKind } from "./stage-job";

/**
 * Stages on the portal: "Build stage" queues the generated job (stage-job.ts) as a pipeline
 * of source `farm-stage`; when it succeeds the worker verifies the DIGESTS the runner wrote
 * against the uploaded tarball (SHA512 and BLAKE2B, streamed), signs tarball and DIGESTS with
 * the environment's key (detached, armored) and publishes them under
 * DATA_DIR/stages/<env>/<arch>/<name>/ with a row in farm_stages; the newest row is `latest`.
 * A failed job or a mismatching DIGESTS publishes nothing, so `latest` stays.
 */
export const STAGE_SOURCE = "farm-stage";

export class StageRefusedError extends InputError {}

export type StageTarget = { environment: string; arch: string; name: string };
export type StageRow = typeof farmStages.$inferSelect;

export function stagesRoot() {
  return path.join(getConfig().dataDir, "stages");
}

function checkStageTarget(t: StageTarget) {
  if (!envPattern.test(t.environment) || !archPattern.test(t.arch) || !profileNamePattern.test(t.name)) throw new FarmInputError(null, "Invalid stage target");
}

function targetDir(t: StageTarget) {
  checkStageTarget(t);
  return path.join(stagesRoot(), t.environment, t.arch, t.name);
}

/** "Build stage": the stage3 of a system profile of the environment's build-profiles, queued for a gentoo runner. */
export async function startStageBuild(
  db: Db,
  input: { environment: string; arch: string; profile: string },
  userId: string | null,
  override?: (spec: JobSpec) => JobSpec,
) {
  const branch = await profilesForEnvironment(db, input.environment);
  if (!branch) throw new FarmInputError("environment", `No build-profiles branch for ${input.environment}`);
  const profile = branch.profiles.get(input.profile);
  if (!profile) throw new FarmInputError("profile", `No profile ${input.profile} on ${branch.branch}`);
  if (profile.kind !== "system") throw new FarmInputError("profile", `${profile.name} is an application profile: stage3s are built from system profiles`);
  const arch = await getArchitecture(db, input.arch);
  if (!arch) throw new FarmInputError("arch", `Architecture ${input.arch} is not defined (Admin → Build farm)`);
  if (!profile.architectures.includes(arch.keyword)) throw new FarmInputError("arch", `${profile.name} is not built for ${arch.keyword}`);
  const tree = await pinTree(db, input.environment);
  const generated = generateStage3({
    environment: { name: input.environment },
    arch,
    profile,
    tree,
    overlay: await overlayFor(db, input.environment),
    binhostUrl: `${getConfig().publicUrl}/packages`,
    gentooMirror: getConfig().publicUrl,
    signingKey: await getSigningKey(db, input.environment),
    stamp: stageStamp(new Date()),
  });
  const spec = override?.(generated) ?? generated;
  const job = toRunnerJob(spec, new Set());
  return createPipeline(
    db,
    {
      name: stagePipelineName(profile.name, input.environment, arch.keyword),
      source: STAGE_SOURCE,
      ref: input.environment,
      jobs: [{ ...job, artifacts: [`${STAGE_ARTIFACTS}/**`, "artifacts/logs/**"], artifactKind: "stage", maxAttempts: 1 }],
    },
    userId,
  );
}

/**
 * The same stages built by catalyst on a real Gentoo build host (a runner tagged `catalyst`):
 * a stage3 of a system profile, or a stage4 of a stack (its profiles' packages, services and
 * kernel). Catalyst's seed is the target's latest published stage3 (a stack: its system
 * profile's), which the job fetches from /stages/ into catalyst's builds directory.
 */
export async function startCatalystStage(
  db: Db,
  input: { environment: string; arch: string } & ({ profile: string } | { stack: string }),
  userId: string | null,
) {
  const branch = await profilesForEnvironment(db, input.environment);
  if (!branch) throw new FarmInputError("environment", `No build-profiles branch for ${input.environment}`);
  const arch = await getArchitecture(db, input.arch);
  if (!arch) throw new FarmInputError("arch", `Architecture ${input.arch} is not defined (Admin → Build farm)`);
  const stack = "stack" in input ? branch.stacks.get(input.stack) : null;
  if ("stack" in input && !stack) throw new FarmInputError("stack", `No valid stack ${input.stack} on ${branch.branch}`);
  const systemName =
    stack ? stack.system
    : "profile" in input ? input.profile
    : "";
  const system = branch.profiles.get(systemName);
  if (!system || system.kind !== "system") throw new FarmInputError("profile", `${systemName} is not a system profile on ${branch.branch}`);
  if (!system.architectures.includes(arch.keyword)) throw new FarmInputError("arch", `${system.name} is not built for ${arch.keyword}`);
  const seed = await latestStage(db, { environment: input.environment, arch: arch.keyword, name: system.name }, "stage3");
  if (!seed) throw new FarmInputError("profile", `Publish a stage3 of ${system.name} for ${input.environment}/${arch.keyword} first: it seeds catalyst`);
  const tree = await pinTree(db, input.environment);
  const stamp = stageStamp(new Date());
  const source = `${input.environment}/${seed.fileName.replace(/\.tar\.xz$/, "").replace(`-${arch.keyword}-`, `-${subarchOf(arch.keyword)}-`)}`;
  const base = { environment: input.environment, arch, stamp, treeCommit: tree.commit, source };
  const signed = !!(await getSigningKey(db, input.environment));
  const job =
    stack ?
      (() => {
        const catalystStack = {
          name: stack.name,
          profiles: stack.profiles.map((n) => branch.profiles.get(n)!),
          services: stack.services,
          kernel: { name: "rookery", sources: stack.kernel, distkernel: /^sys-kernel\/gentoo-kernel(-bin)?$/.test(stack.kernel) },
        };
        return catalystJob({
          kind: "stage4",
          environment: input.environment,
          arch,
          tree,
          stamp,
          name: stack.name,
          spec: stage4Spec(base, catalystStack),
          files: stage4Files(`${getConfig().publicUrl}/packages`, input.environment, arch.keyword, catalystStack, signed),
        });
      })()
    : catalystJob({
        kind: "stage3",
        environment: input.environment,
        arch,
        tree,
        stamp,
        name: system.name,
        spec: stage3Spec({ ...base, profile: system }),
        files: Object.fromEntries(Object.entries(portageConfdir([system])).map(([f, c]) => [`portage/${f}`, c])),
      });
  const seedUrl = `${getConfig().publicUrl}/stages/${input.environment}/${arch.keyword}/${system.name}/${seed.fileName}`;
  const withSeed = {
    ...job,
    steps: [
      {
        name: "seed",
        script: [
          `mkdir -p ${CATALYST_STOREDIR}/builds/${input.environment}`,
          `[ -s ${CATALYST_STOREDIR}/builds/${source}.tar.xz ] || curl -fsSL -o ${CATALYST_STOREDIR}/builds/${source}.tar.xz '${seedUrl}'`,
        ],
      },
      ...job.steps,
    ],
  };
  return createPipeline(
    db,
    {
      name: `${stack ? "Stage4" : "Stage3"} (catalyst) of ${stack ? stack.name : system.name} for ${input.environment}/${arch.keyword}`,
      source: STAGE_SOURCE,
      ref: input.environment,
      jobs: [{ ...toRunnerJob(withSeed, new Set()), artifacts: [`${STAGE_ARTIFACTS}/**`], artifactKind: "stage", maxAttempts: 1 }],
    },
    userId,
  );
}

export const stagePipelineName = (profile: string, environment: string, arch: string) => `Stage3 of ${profile} for ${environment}/${arch}`;

async function hashFile(file: string) {
  const sha512 = crypto.createHash("sha512");
  const blake2b = crypto.createHash("blake2b512");
  let bytes = 0;
  await pipeline(
    fs.createReadStream(file),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        sha512.update(chunk);
        blake2b.update(chunk);
        bytes += chunk.length;
        done();
      },
    }),
  );
  return { sha512: sha512.digest("hex"), blake2b: blake2b.digest("hex"), bytes };
}

export type PublishStageInput = StageTarget & {
  kind: StageKind;
  stamp: string;
  /** The tarball and its DIGESTS as the runner uploaded them. */
  tarball: string;
  digests: string;
  jobId?: string | null;
  treeCommit?: string | null;
};

/**
 * Verifies and publishes one stage. The tarball is copied into the target's directory under
 * a hidden name first and the copy is what gets hashed and signed, so what is checked is what
 * is served; only then are the files renamed into place and the row written. A DIGESTS that
 * lacks SHA512 or BLAKE2B for the file, or whose digests do not match, refuses it: nothing is
 * published and the previous `latest` stays.
 */
export async function publishStage(db: Db, input: PublishStageInput): Promise<StageRow> {
  if (!stampPattern.test(input.stamp)) throw new StageRefusedError("stamp", `Invalid stage stamp ${input.stamp}`);
  const dir = targetDir(input);
  const fileName = stageFileName(input.kind, input.arch, input.name, input.stamp);
  const [existing] = await db
    .select({ id: farmStages.id })
    .from(farmStages)
    .where(
      and(eq(farmStages.environment, input.environment), eq(farmStages.arch, input.arch), eq(farmStages.name, input.name), eq(farmStages.fileName, fileName)),
    );
  if (existing) throw new ConflictError(`${fileName} is already published`);

  const digestsText = fs.readFileSync(input.digests, "utf8");
  const listed = parseDigests(digestsText);
  const want = { sha512: listed.get("SHA512")?.get(fileName), blake2b: listed.get("BLAKE2B")?.get(fileName) };
  if (!want.sha512 || !want.blake2b) throw new StageRefusedError(null, `The DIGESTS of ${fileName} lack its ${!want.sha512 ? "SHA512" : "BLAKE2B"} digest`);

  await mkdir(dir, { recursive: true });
  const tag = crypto.randomBytes(4).toString("hex");
  const tmp = (suffix: string) => path.join(dir, `.${fileName}${suffix}.${tag}.tmp`);
  const temps = ["", ".DIGESTS", ".asc", ".DIGESTS.asc"].map((s) => [s, tmp(s)] as const);
  try {
    await fs.promises.copyFile(input.tarball, tmp(""), fs.constants.COPYFILE_FICLONE);
    const got = await hashFile(tmp(""));
    for (const alg of ["sha512", "blake2b"] as const)
      if (got[alg] !== want[alg])
        throw new StageRefusedError(null, `${fileName} does not match its DIGESTS (${alg === "sha512" ? "SHA512" : "BLAKE2B"}): nothing was published`);
    fs.writeFileSync(tmp(".DIGESTS"), digestsText);
    const signingKey = await withSigner(db, input.environment, async (signer) => {
      if (!signer) return null;
      fs.writeFileSync(tmp(".asc"), await signer.detachSign(fs.createReadStream(tmp(""))));
      fs.writeFileSync(tmp(".DIGESTS.asc"), await signer.detachSign(fs.createReadStream(tmp(".DIGESTS"))));
      return signer.fingerprint;
    });
    for (const [suffix, from] of temps) if (fs.existsSync(from)) await rename(from, path.join(dir, fileName + suffix));
    const [row] = await db
      .insert(farmStages)
      .values({
        environment: input.environment,
        arch: input.arch,
        name: input.name,
        kind: input.kind,
        stamp: input.stamp,
        fileName,
        bytes: got.bytes,
        sha512: got.sha512,
        blake2b: got.blake2b,
        signingKey,
        jobId: input.jobId ?? null,
        treeCommit: input.treeCommit ?? null,
      })
      .returning();
    return row;
  } finally {
    for (const [, from] of temps) await rm(from, { force: true });
  }
}

/**
 * The worker's handler when a job of a `farm-stage` pipeline finished (null for other
 * pipelines): a green job's stage is verified and published; a refused one notifies the admins.
 */
export async function stageJobFinished(db: Db, jobId: string) {
  const [row] = await db
    .select({ job: buildJobs, source: pipelines.source })
    .from(buildJobs)
    .innerJoin(pipelines, eq(pipelines.id, buildJobs.pipelineId))
    .where(eq(buildJobs.id, jobId));
  if (!row || row.source !== STAGE_SOURCE) return null;
  const env = row.job.env as Record<string, string>;
  const target = { environment: env.ROOKERY_ENVIRONMENT, arch: env.ROOKERY_ARCH, name: env.ROOKERY_PROFILE };
  const what = `Stage of ${target.name} (${target.environment}/${target.arch})`;
  if (row.job.status === "failed") {
    await notify(db, { kind: "farm.stage_failed", admins: true, title: `${what} failed`, body: row.job.failureReason ?? "", link: `/jobs/${jobId}` });
    return { stage: "failed" as const };
  }
  if (row.job.status !== "success") return { stage: row.job.status };
  const file = env.ROOKERY_STAGE_FILE;
  const artifacts = await db
    .select()
    .from(buildArtifacts)
    .where(and(eq(buildArtifacts.jobId, jobId), eq(buildArtifacts.attempt, row.job.attempt)));
  const find = (name: string) => artifacts.find((a) => a.name === `${STAGE_ARTIFACTS}/${name}`);
  const tarball = find(file);
  const digests = find(`${file}.DIGESTS`);
  try {
    if (!tarball || !digests) throw new StageRefusedError(null, `The job uploaded no ${!tarball ? file : `${file}.DIGESTS`}`);
    const published = await publishStage(db, {
      ...target,
      kind: env.ROOKERY_STAGE_KIND === "stage4" ? "stage4" : "stage3",
      stamp: env.ROOKERY_STAGE_STAMP,
      tarball: artifactFile(tarball.storageKey),
      digests: artifactFile(digests.storageKey),
      jobId,
      treeCommit: env.ROOKERY_TREE_COMMIT ?? null,
    });
    return { stage: "published" as const, id: published.id, fileName: published.fileName };
  } catch (e) {
    if (!(e instanceof StageRefusedError || e instanceof ConflictError)) throw e;
    await notify(db, { kind: "farm.stage_failed", admins: true, title: `${what} was not published`, body: e.message, link: `/jobs/${jobId}` });
    return { stage: "refused" as const, reason: e.message };
  }
}

/** Published stages, newest first (optionally of one environment). */
export async function listStages(db: DbOrTx, filter: { environment?: string } = {}) {
  return db
    .select()
    .from(farmStages)
    .where(filter.environment ? eq(farmStages.environment, filter.environment) : undefined)
    .orderBy(desc(farmStages.createdAt));
}

/** The newest stage of a target: what `latest` points at. */
export async function latestStage(db: DbOrTx, t: StageTarget, kind?: StageKind) {
  const [row] = await db
    .select()
    .from(farmStages)
    .where(
      and(eq(farmStages.environment, t.environment), eq(farmStages.arch, t.arch), eq(farmStages.name, t.name), kind ? eq(farmStages.kind, kind) : undefined),
    )
    .orderBy(desc(farmStages.createdAt))
    .limit(1);
  return row ?? null;
}

/** Stage pipelines, newest first, for the admin page's progress column. */
export async function recentStagePipelines(db: DbOrTx, limit = 20) {
  return db
    .select({ id: pipelines.id, name: pipelines.name, status: pipelines.status, createdAt: pipelines.createdAt })
    .from(pipelines)
    .where(eq(pipelines.source, STAGE_SOURCE))
    .orderBy(desc(pipelines.createdAt))
    .limit(limit);
}

/** The published file for a URL name (the tarball, its DIGESTS or a signature), or null. */
export async function stageFile(db: DbOrTx, t: StageTarget, name: string) {
  const m = name.match(/^((?:stage3|stage4)-.+?\.tar\.xz)(\.DIGESTS|\.asc|\.DIGESTS\.asc)?$/);
  if (!m) return null;
  const [row] = await db
    .select()
    .from(farmStages)
    .where(and(eq(farmStages.environment, t.environment), eq(farmStages.arch, t.arch), eq(farmStages.name, t.name), eq(farmStages.fileName, m[1])));
  if (!row || (m[2]?.endsWith(".asc") && !row.signingKey)) return null;
  return { row, path: path.join(targetDir(t), name) };
}

/** Gentoo's `latest-stage3-<arch>-<flavour>.txt`: a comment with the date, then `<file> <size>`. */
export function latestText(row: StageRow) {
  return [`# Latest as of ${row.createdAt.toUTCString()}`, `# ts=${Math.floor(row.createdAt.getTime() / 1000)}`, `${row.fileName} ${row.bytes}`, ""].join("\n");
}

/**
 * The admin page's table: every environment × arch × system profile a stage3 can be built
 * for (from each environment's build-profiles branch), with its latest published stage and
 * its newest stage pipeline.
 */
export async function stagesOverview(db: DbOrTx) {
  const [envs, archs, stages, runs] = await Promise.all([listEnvironments(db), listArchitectures(db), listStages(db), recentStagePipelines(db, 200)]);
  const known = new Set(archs.map((a) => a.keyword));
  const targets: {
    environment: string;
    arch: string;
    profile: string;
    latest: StageRow | null;
    published: number;
    lastRun: { id: string; status: string; createdAt: Date } | null;
  }[] = [];
  for (const env of envs) {
    const branch = await profilesForEnvironment(db, env.name).catch(() => null);
    if (!branch) continue;
    for (const profile of [...branch.profiles.values()].filter((p) => p.kind === "system").sort((a, b) => a.name.localeCompare(b.name)))
      for (const arch of profile.architectures.filter((a) => known.has(a))) {
        const mine = stages.filter((s) => s.environment === env.name && s.arch === arch && s.name === profile.name);
        const run = runs.find((r) => r.name === stagePipelineName(profile.name, env.name, arch));
        targets.push({
          environment: env.name,
          arch,
          profile: profile.name,
          latest: mine[0] ?? null,
          published: mine.length,
          lastRun: run ? { id: run.id, status: run.status, createdAt: run.createdAt } : null,
        });
      }
  }
  const stacks: {
    environment: string;
    arch: string;
    stack: string;
    latest: StageRow | null;
    lastRun: { id: string; status: string; createdAt: Date } | null;
  }[] = [];
  for (const env of envs) {
    const branch = await profilesForEnvironment(db, env.name).catch(() => null);
    if (!branch) continue;
    for (const stack of [...branch.stacks.values()].sort((a, b) => a.name.localeCompare(b.name)))
      for (const arch of (branch.profiles.get(stack.system)?.architectures ?? []).filter((a) => known.has(a))) {
        const run = runs.find((r) => r.name === `Stage4 (catalyst) of ${stack.name} for ${env.name}/${arch}`);
        stacks.push({
          environment: env.name,
          arch,
          stack: stack.name,
          latest: stages.find((s) => s.environment === env.name && s.arch === arch && s.name === stack.name && s.kind === "stage4") ?? null,
          lastRun: run ? { id: run.id, status: run.status, createdAt: run.createdAt } : null,
        });
      }
  }
  return { targets, stacks, stages };
}
