import { infrastructureRepo } from "@/server/git/infrastructure";
import type { Db, DbOrTx } from "@/db/client";
import { getConfig } from "@/server/config";
import { cloneUrl } from "@/server/git/paths";
import { branchHead } from "@/server/git/plumbing/merge";
import { BUILD_PROFILES_REPO, INFRASTRUCTURE_ORG, OVERLAY_REPO, PORTAGE_TREE_REPO } from "@/server/git/repos";
import { publishBuild, type PublishInput, type PublishResult } from "./binhost";
import { getArchitecture, getEnvironment } from "./catalog";
import { FarmInputError } from "./errors";
import { getSigningKey } from "@/server/pki/gpg";
import { generateBuild, generateStackBuild, type BuildVariant, type JobSpec } from "./generate";
import { buildProfilesDir, profilesAtCommit, profilesForEnvironment } from "./repo";

/**
 * The build farm's API for other domains (the job engine, pull-request checks):
 * what to run for a profile or a stack, where its result goes, and whether a
 * build-profiles commit is valid. Everything else in server/farm is internal.
 */

export type { JobSpec, JobStep, BuildVariant } from "./generate";
export type { PublishResult } from "./binhost";
export type { ProfileError } from "./profiles";

/** Where the portage tree of an environment comes from. */
export type TreePin = { syncUri: string; commit: string };

/**
 * The portage tree an environment builds against: the branch of its record in the tree
 * mirror (infrastructure/gentoo). A preview names the branch; `pinTree` resolves it.
 */
async function treeFor(db: DbOrTx, environment: string, tree?: TreePin): Promise<TreePin> {
  if (tree) return tree;
  const env = await getEnvironment(db, environment);
  if (!env) throw new FarmInputError("environment", `Environment ${environment} is not defined (Admin → Build farm)`);
  return { syncUri: cloneUrl(INFRASTRUCTURE_ORG, PORTAGE_TREE_REPO), commit: env.portageBranch };
}

/**
 * The tree commit a build starts from, resolved once when its pipeline is created: every job
 * of the pipeline (and a retry) builds the same tree, and the build page can name it.
 */
export async function pinTree(db: DbOrTx, environment: string): Promise<TreePin> {
  const tree = await treeFor(db, environment);
  const repo = await infrastructureRepo(db, PORTAGE_TREE_REPO);
  const commit = repo && (await branchHead(repo.dir, tree.commit));
  if (!commit)
    throw new FarmInputError(
      "environment",
      `${INFRASTRUCTURE_ORG}/${PORTAGE_TREE_REPO} has no branch ${tree.commit} yet: sync the portage tree first (Admin → Build farm → Portage tree)`,
    );
  return { ...tree, commit };
}

/**
 * The overlay commit an environment builds against: the head of its branch (the same name as
 * the tree's) when the job is generated, so a later push does not change a queued build.
 * Null when the overlay has no such branch.
 */
export async function overlayFor(db: DbOrTx, environment: string, overlay?: TreePin | null): Promise<TreePin | null> {
  if (overlay !== undefined) return overlay;
  const env = await getEnvironment(db, environment);
  const repo = await infrastructureRepo(db, OVERLAY_REPO);
  if (!env || !repo) return null;
  const commit = await branchHead(repo.dir, env.portageBranch);
  return commit ? { syncUri: cloneUrl(INFRASTRUCTURE_ORG, OVERLAY_REPO), commit } : null;
}

async function context(db: DbOrTx, environment: string, arch: string) {
  const branch = await profilesForEnvironment(db, environment);
  if (!branch) throw new FarmInputError("environment", `${INFRASTRUCTURE_ORG}/${BUILD_PROFILES_REPO} has no branch for ${environment}`);
  const a = await getArchitecture(db, arch);
  if (!a) throw new FarmInputError("arch", `Architecture ${arch} is not defined (Admin → Build farm)`);
  return { branch, arch: a };
}

function binhostBase() {
  return `${getConfig().publicUrl}/packages`;
}

/** The job for one profile of an environment's current build-profiles branch. */
export async function buildJobFor(
  db: DbOrTx,
  input: {
    environment: string;
    arch: string;
    profile: string;
    variant: BuildVariant;
    previousMake?: Record<string, string>;
    tree?: TreePin;
    overlay?: TreePin | null;
  },
): Promise<JobSpec> {
  const { branch, arch } = await context(db, input.environment, input.arch);
  const profile = branch.profiles.get(input.profile);
  if (!profile) {
    const problem = branch.errors.find((e) => e.file === `profiles/${input.profile}.yaml`);
    throw new FarmInputError(
      "profile",
      problem ? `${problem.file}:${problem.line}:${problem.column}: ${problem.message}` : `No profile ${input.profile} on ${branch.branch}`,
    );
  }
  if (!profile.architectures.includes(arch.keyword)) throw new FarmInputError("arch", `${profile.name} is not built for ${arch.keyword}`);
  return generateBuild({
    environment: { name: input.environment },
    arch,
    profile,
    variant: input.variant,
    tree: await treeFor(db, input.environment, input.tree),
    overlay: await overlayFor(db, input.environment, input.overlay),
    binhostUrl: binhostBase(),
    gentooMirror: getConfig().publicUrl,
    previousMake: input.previousMake,
    signingKey: await getSigningKey(db, input.environment),
  });
}

/** "Build stack": the stack's profiles in dependency order, each job needing its parent's. */
export async function buildStackJobs(
  db: DbOrTx,
  input: { environment: string; arch: string; stack: string; variant: BuildVariant; tree?: TreePin; overlay?: TreePin | null },
): Promise<JobSpec[]> {
  const { branch, arch } = await context(db, input.environment, input.arch);
  const stack = branch.stacks.get(input.stack);
  if (!stack) throw new FarmInputError("stack", `No valid stack ${input.stack} on ${branch.branch}`);
  const system = branch.profiles.get(stack.system)!;
  if (!system.architectures.includes(arch.keyword)) throw new FarmInputError("arch", `${stack.name} is not built for ${arch.keyword}`);
  // Intermediate parents not listed in the stack still have to be built first.
  const chain = new Map<string, NonNullable<ReturnType<typeof branch.profiles.get>>>();
  for (const name of stack.profiles) {
    const p = branch.profiles.get(name)!;
    for (const n of [name, ...p.parents]) chain.set(n, branch.profiles.get(n)!);
  }
  return generateStackBuild(
    {
      environment: { name: input.environment },
      arch,
      variant: input.variant,
      tree: await treeFor(db, input.environment, input.tree),
      overlay: await overlayFor(db, input.environment, input.overlay),
      binhostUrl: binhostBase(),
      gentooMirror: getConfig().publicUrl,
      signingKey: await getSigningKey(db, input.environment),
    },
    [...chain.values()],
  );
}

/**
 * Publishes a successful build's packages (the job's `binpkgs` artifacts) as the live
 * binhost of its profile. Call it only for a green job: a failed build must not replace
 * the published index. Parents, CHOST and the portage profile come from the profile.
 */
export async function publishProfileBuild(
  db: Db,
  input: { environment: string; arch: string; profile: string; files: string[] } & Pick<PublishInput, "labels" | "verify" | "jobId">,
): Promise<PublishResult> {
  const { branch, arch } = await context(db, input.environment, input.arch);
  const profile = branch.profiles.get(input.profile);
  if (!profile) throw new FarmInputError("profile", `No profile ${input.profile} on ${branch.branch}`);
  return publishBuild(db, {
    environment: input.environment,
    arch: arch.keyword,
    profile: profile.name,
    parents: profile.parents,
    chost: arch.chost,
    portageProfile: profile.portageProfile,
    baseUrl: binhostBase(),
    files: input.files,
    labels: input.labels,
    verify: input.verify,
    jobId: input.jobId,
  });
}

/** A commit of build-profiles as a check (a merge request's status): its problems, if any. */
export async function validateBuildProfiles(db: DbOrTx, commit: string) {
  const dir = await buildProfilesDir(db);
  if (!dir) throw new Error(`${INFRASTRUCTURE_ORG}/${BUILD_PROFILES_REPO} does not exist`);
  const set = await profilesAtCommit(dir, commit);
  return { ok: set.errors.length === 0, errors: set.errors, profiles: [...set.profiles.keys()], stacks: [...set.stacks.keys()] };
}
