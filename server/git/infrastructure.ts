import type { Db, DbOrTx } from "@/db/client";
import { createOrg, getOrgBySlug, OrgInputError } from "@/server/orgs";
import { ensureRepoOnDisk } from "./materialize";
import { getRepo, INFRASTRUCTURE_ORG, insertDefaultRepos } from "./repos";

/**
 * The admin-owned org holding the global role and profile modules that every org
 * mirrors. Created on first start; idempotent (a concurrent start may win the race).
 */
export async function ensureInfrastructureOrg(db: Db) {
  const existing = await getOrgBySlug(db, INFRASTRUCTURE_ORG);
  // Instances created before a default repository existed (build-profiles) get it now; rows only.
  if (existing) return insertDefaultRepos(db, [existing]);
  try {
    await createOrg(db, {
      name: INFRASTRUCTURE_ORG,
      slug: INFRASTRUCTURE_ORG,
      description: "Global Puppet modules (role, profile) and build profiles, managed by administrators",
      source: "local",
    });
  } catch (e) {
    if (!(e instanceof OrgInputError)) throw e;
  }
}

/** One of the infrastructure org's repositories with its directory on disk, or null when this instance has none. */
export async function infrastructureRepo(db: DbOrTx, name: string) {
  const repo = await getRepo(db, INFRASTRUCTURE_ORG, name);
  return repo ? { repo, dir: await ensureRepoOnDisk(db, repo) } : null;
}
