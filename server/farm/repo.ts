import { infrastructureRepo } from "@/server/git/infrastructure";
import type { DbOrTx } from "@/db/client";
import { environmentOf } from "@/server/git/protection";
import { listBranches, readTextTree } from "@/server/git/plumbing/read";
import { BUILD_PROFILES_REPO } from "@/server/git/repos";
import { loadProfileSet, type ProfileSet } from "./profiles";

/**
 * git-flow's branch → environment mapping for build-profiles. Feature branches are
 * proposals (merge requests), not environments, so they build nothing on their own.
 */
export function environmentOfBranch(branch: string): "development" | "staging" | "production" | null {
  if (branch.startsWith("feature/")) return null;
  const env = environmentOf(branch);
  return branch === "main" ? null : env;
}

export type BranchProfiles = ProfileSet & { branch: string; commit: string; environment: ReturnType<typeof environmentOfBranch> };

const cache = new Map<string, ProfileSet>();

/** The profile set at one commit; commits never change, so results are kept (bounded). */
export async function profilesAtCommit(dir: string, commit: string): Promise<ProfileSet> {
  const hit = cache.get(commit);
  if (hit) return hit;
  const set = loadProfileSet(await readTextTree(dir, commit, ["profiles", "stacks"]));
  if (cache.size > 200) cache.delete(cache.keys().next().value!);
  cache.set(commit, set);
  return set;
}

export async function buildProfilesDir(db: DbOrTx) {
  return (await infrastructureRepo(db, BUILD_PROFILES_REPO))?.dir ?? null;
}

/**
 * Profiles at the head of every environment branch (develop, release/*, hotfix/*, master),
 * plus `feature/*` heads when asked (to validate a proposal before it is merged).
 */
export async function loadBranchProfiles(db: DbOrTx, opts: { includeFeatures?: boolean } = {}): Promise<BranchProfiles[]> {
  const dir = await buildProfilesDir(db);
  if (!dir) return [];
  const branches = (await listBranches(dir)).filter((b) => environmentOfBranch(b.name) || (opts.includeFeatures && b.name.startsWith("feature/")));
  const order = (name: string) =>
    name === "develop" ? 0
    : name.startsWith("release/") || name.startsWith("hotfix/") ? 1
    : name === "master" ? 2
    : 3;
  branches.sort((a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name));
  return Promise.all(
    branches.map(async (b) => ({ branch: b.name, commit: b.sha, environment: environmentOfBranch(b.name), ...(await profilesAtCommit(dir, b.sha)) })),
  );
}

/**
 * The branch an environment builds from now: develop / master, or for staging the newest
 * release/* or hotfix/* branch (the one being stabilised).
 */
export async function profilesForEnvironment(db: DbOrTx, environment: string): Promise<BranchProfiles | null> {
  const dir = await buildProfilesDir(db);
  if (!dir) return null;
  const candidates = (await listBranches(dir)).filter((b) => environmentOfBranch(b.name) === environment);
  const newest = candidates.sort((a, b) => b.date.getTime() - a.date.getTime())[0];
  if (!newest) return null;
  return { branch: newest.name, commit: newest.sha, environment: environmentOfBranch(newest.name), ...(await profilesAtCommit(dir, newest.sha)) };
}
