import type { Db } from "@/db/client";
import { createRepository } from "@/server/git/manage";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { commitFiles } from "@/server/git/plumbing/commit";
import { loadBranchProfiles } from "@/server/farm/repo";
import { branchHead } from "@/server/git/plumbing/merge";
import { repoDir } from "@/server/git/paths";
import { BUILD_PROFILES_REPO, getRepo, INFRASTRUCTURE_ORG } from "@/server/git/repos";
import { getOrgBySlug } from "@/server/orgs";
import { testTreeFiles } from "./gentoo-tree";

/**
 * Puts the test tree on branches of the portage tree mirror `infrastructure/gentoo` (the
 * repository is created when this instance has none yet), as a first sync would.
 */
export async function commitTestTree(db: Db, branches: string[] = ["development"], files = testTreeFiles()) {
  const org = await getOrgBySlug(db, INFRASTRUCTURE_ORG);
  if (!org) throw new Error("ensureInfrastructureOrg first");
  const repo = (await getRepo(db, INFRASTRUCTURE_ORG, "gentoo")) ?? (await createRepository(db, org, { name: "gentoo" }));
  const dir = await ensureRepoOnDisk(db, { ...repo, orgSlug: INFRASTRUCTURE_ORG, orgName: org.name, orgArchived: false });
  const [first, ...more] = branches;
  return commitFiles(dir, { branch: first, files, message: "The test tree", alsoBranches: more });
}

/** Build profiles on develop of infrastructure/build-profiles (brought onto the disk first), as a merged merge request leaves them. */
export async function commitBuildProfiles(db: Db, files: Record<string, string>, message: string) {
  await loadBranchProfiles(db);
  const dir = repoDir(INFRASTRUCTURE_ORG, BUILD_PROFILES_REPO);
  return commitFiles(dir, { branch: "develop", parent: (await branchHead(dir, "develop")) ?? undefined, files, message });
}
