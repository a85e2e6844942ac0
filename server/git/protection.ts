import type { OrgRole } from "@/server/auth/policy";
import { roleAtLeast } from "@/server/auth/policy";
import type { RepoWithOrg } from "./repos";

export type RefUpdate = { ref: string; oldSha: string; newSha: string; forced?: boolean };
export type Protection = { pattern: string; pushAccess: "nobody" | "leaders" | "developers"; allowForcePush: boolean; allowDeletion: boolean };
export type Pusher = { role: OrgRole | null; isAdmin: boolean };

const ZERO = /^0+$/;
export const semverTag = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
/** Tags that claim to be versions (v1, 1.2, v1.2.3-rc1…) must be exactly vX.Y.Z. */
const looksLikeVersion = /^v?\d/;

export function matchProtection(branch: string, protections: Protection[]): Protection | null {
  return (
    protections.find((p) => p.pattern === branch) ?? protections.find((p) => p.pattern.endsWith("/*") && branch.startsWith(p.pattern.slice(0, -1))) ?? null
  );
}

/** The environment a git-flow branch deploys to, for badges everywhere. */
export function environmentOf(branch: string): "production" | "staging" | "development" | null {
  if (branch === "master" || branch === "main") return "production";
  if (branch.startsWith("release/") || branch.startsWith("hotfix/")) return "staging";
  if (branch === "develop" || branch.startsWith("feature/")) return "development";
  return null;
}

/**
 * Decides a push as a whole (git applies all or nothing): every reason to refuse is
 * reported, in words a person can act on.
 */
export function checkPush(repo: RepoWithOrg, pusher: Pusher, protections: Protection[], updates: RefUpdate[]) {
  const messages: string[] = [];
  if (repo.kind === "module-mirror") messages.push(`read-only mirror of ${repo.upstream}: change ${repo.upstream} instead`);
  else if (repo.kind === "pull-mirror") messages.push(`read-only mirror of ${repo.upstream}`);
  else if (repo.archivedAt || repo.orgArchived) messages.push(`${repo.orgSlug}/${repo.name} is archived and read-only`);
  else if (!pusher.isAdmin && !roleAtLeast(pusher.role, "developer")) messages.push("You do not have permission to push here");
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
        rule.pushAccess === "developers" ? roleAtLeast(pusher.role, "developer") || pusher.isAdmin
        : rule.pushAccess === "leaders" ? roleAtLeast(pusher.role, "leader") || pusher.isAdmin
        : false;
      if (!mayPush) messages.push(`${branch} is protected: open a merge request`);
    } else if (u.ref.startsWith("refs/tags/")) {
      const tag = u.ref.slice("refs/tags/".length);
      if (!deleting && looksLikeVersion.test(tag) && !semverTag.test(tag))
        messages.push(`tag ${tag} looks like a version but is not semver: use vX.Y.Z (for example v1.2.3)`);
      if (!ZERO.test(u.oldSha) && !pusher.isAdmin) messages.push(`tag ${tag} already exists: tags cannot be ${deleting ? "deleted" : "moved"}`);
    }
  }
  return { ok: messages.length === 0, messages };
}
