import { INFRASTRUCTURE_ORG } from "@/server/git/repos";
import { authorize, PolicyError, type Actor, type OrgScope } from "../policy";

/** What a farm job may fetch with its job token: the portage tree, the overlay and the build profiles. */
export const JOB_READABLE_REPOS: readonly string[] = ["gentoo", "overlay", "build-profiles"];

/**
 * Git over HTTP: users by their role in the repository's org (repo:read / repo:write); a job
 * (ROOKERY_JOB_TOKEN) only reads the infrastructure repositories its build needs and never
 * pushes. Throws PolicyError; other repositories are "not found" to a job.
 */
export function authorizeGit(
  actor: Actor,
  access: "read" | "write",
  repo: { orgSlug: string; name: string } | null,
  scope: OrgScope | null,
): asserts scope is OrgScope {
  if (actor.kind === "job") {
    const readable = repo !== null && scope !== null && repo.orgSlug === INFRASTRUCTURE_ORG && JOB_READABLE_REPOS.includes(repo.name);
    if (!readable) throw new PolicyError("NOT_FOUND", "Not found");
    if (access === "write") throw new PolicyError("FORBIDDEN", "A job token can only fetch");
    return;
  }
  authorize(actor, access === "write" ? "repo:write" : "repo:read", scope);
}
