import type { Db } from "@/db/client";
import { getConfig } from "@/server/config";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { branchHead } from "@/server/git/plumbing/merge";
import { BUILD_PROFILES_REPO, getRepo, INFRASTRUCTURE_ORG } from "@/server/git/repos";
import { setCommitStatus } from "@/server/mergerequests/statuses";
import { validateBuildProfiles } from "./index";

export const VALIDATE_CONTEXT = "build-profiles/validate";

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/**
 * After a push to build-profiles: each pushed branch head gets a commit status saying
 * whether its profiles are valid, so a merge request shows (and, with a required context,
 * blocks on) "profiles/ruby.yaml:3:1: …" before a broken profile reaches an environment.
 */
export async function checkPushedProfiles(db: Db, branches: string[]) {
  const repo = await getRepo(db, INFRASTRUCTURE_ORG, BUILD_PROFILES_REPO);
  if (!repo) return [];
  const dir = await ensureRepoOnDisk(db, repo);
  const results = [];
  for (const branch of branches) {
    const sha = await branchHead(dir, branch);
    if (!sha) continue;
    const v = await validateBuildProfiles(db, sha);
    const first = v.errors[0];
    const description =
      v.ok ?
        `${count(v.profiles.length, "profile")} and ${count(v.stacks.length, "stack")} are valid`
      : `${first.file}:${first.line}:${first.column}: ${first.message}${v.errors.length > 1 ? ` (and ${v.errors.length - 1} more)` : ""}`;
    await setCommitStatus(
      db,
      repo,
      dir,
      sha,
      { state: v.ok ? "success" : "failed", context: VALIDATE_CONTEXT, description: description.slice(0, 250), targetUrl: `${getConfig().publicUrl}/farm` },
      null,
    );
    results.push({ branch, sha, ok: v.ok, description });
  }
  return results;
}
