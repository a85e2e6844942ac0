import type { Db } from "@/db/client";
import { createOrg, getOrgBySlug, OrgInputError } from "@/server/orgs";
import { INFRASTRUCTURE_ORG, insertDefaultRepos } from "./repos";

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
