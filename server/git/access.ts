import type { DbOrTx } from "@/db/client";
import { authorize, PolicyError, type Actor, type OrgScope } from "@/server/auth/policy";
import { orgScopeFor } from "@/server/orgs";
import { ensureRepoOnDisk } from "./materialize";
import { getRepo, type RepoWithOrg } from "./repos";

/**
 * A repository the actor may read, with its directory on disk. Asks the policy
 * (`repo:read`): non-members and unknown repositories are the same NOT_FOUND.
 */
export async function openReadableRepo(db: DbOrTx, actor: Actor, slug: string, name: string): Promise<{ repo: RepoWithOrg; dir: string; scope: OrgScope }> {
  const found = await orgScopeFor(db, slug, actor);
  authorize(actor, "repo:read", found?.scope ?? null);
  const repo = await getRepo(db, slug, name);
  if (!repo) throw new PolicyError("NOT_FOUND", "Not found");
  const dir = await ensureRepoOnDisk(db, repo);
  return { repo, dir, scope: found!.scope };
}
