import { matchProtection, semverTag, type Protection, type RefUpdate } from "@/server/git/protection";
import type { RepoWithOrg } from "@/server/git/repos";
import { can, type Actor, type OrgScope } from "../policy";

/** Who pushes (over git, or through the browser's editor and the release wizard) and their view of the repo's org. */
export type Pusher = { actor: Actor; scope: OrgScope };

const ZERO = /^0+$/;
/** Tags that claim to be versions (v1, 1.2, v1.2.3-rc1…) must be exactly vX.Y.Z. */
const looksLikeVersion = /^v?\d/;

/**
 * Decides a push as a whole (git applies all or nothing): every reason to refuse is
 * reported, in words a person can act on.
 */
export function checkPush(repo: RepoWithOrg, pusher: Pusher, protections: Protection[], updates: RefUpdate[]) {
  const messages: string[] = [];
  if (repo.kind === "module-mirror") messages.push(`read-only mirror of ${repo.upstream}: change ${repo.upstream} instead`);
  else if (repo.kind === "pull-mirror") messages.push(`read-only mirror of ${repo.upstream}`);
  else if (repo.archivedAt || repo.orgArchived) messages.push(`${repo.orgSlug}/${repo.name} is archived and read-only`);
  else if (!can(pusher.actor, "repo:write", pusher.scope)) messages.push("You do not have permission to push here");
  if (messages.length) return { ok: false, messages };

  for (const u of updates) {
    const deleting = ZERO.test(u.newSha);
    if (u.ref.startsWith("refs/heads/")) {
      const branch = u.ref.slice("refs/heads/".length);
      const rule = matchProtection(branch, protections);
      if (!rule) continue;
      if (deleting) {
        if (!rule.allowDeletion) messages.push(`${branch} is protected: it cannot be deleted`);
        continue;
      }
      if (u.forced && !rule.allowForcePush) {
        messages.push(`${branch} is protected: force-push is not allowed`);
        continue;
      }
      const mayPush =
        rule.pushAccess === "developers" ? can(pusher.actor, "repo:write", pusher.scope)
        : rule.pushAccess === "leaders" ? can(pusher.actor, "repo:admin", pusher.scope)
        : false;
      if (!mayPush) messages.push(`${branch} is protected: open a merge request`);
    } else if (u.ref.startsWith("refs/tags/")) {
      const tag = u.ref.slice("refs/tags/".length);
      if (!deleting && looksLikeVersion.test(tag) && !semverTag.test(tag))
        messages.push(`tag ${tag} looks like a version but is not semver: use vX.Y.Z (for example v1.2.3)`);
      if (!ZERO.test(u.oldSha) && !can(pusher.actor, "tags:rewrite"))
        messages.push(`tag ${tag} already exists: tags cannot be ${deleting ? "deleted" : "moved"}`);
    }
  }
  return { ok: messages.length === 0, messages };
}
