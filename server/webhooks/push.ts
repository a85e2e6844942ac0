import type { DbOrTx } from "@/db/client";
import { repoDir } from "@/server/git/paths";
import type { RepoWithOrg } from "@/server/git/repos";
import { emitRepoEvent } from "./deliver";
import { hooksFor } from "./hooks";
import { pushPayload, tagPushPayload, type PayloadUser } from "./payloads";

type Update = { ref: string; oldSha: string; newSha: string };

/**
 * After refs moved (a push, a mirror sync): one `push` event per branch and one `tag`
 * event per tag, GitLab-shaped. Payloads are only built when some hook listens.
 */
export async function emitPushEvents(db: DbOrTx, repo: RepoWithOrg, updates: Update[], user: PayloadUser) {
  const branches = updates.filter((u) => u.ref.startsWith("refs/heads/"));
  const tags = updates.filter((u) => u.ref.startsWith("refs/tags/"));
  const [pushHooks, tagHooks] = await Promise.all([branches.length ? hooksFor(db, repo, "push") : [], tags.length ? hooksFor(db, repo, "tag") : []]);
  if (!pushHooks.length && !tagHooks.length) return { deliveries: 0 };
  const dir = repoDir(repo.orgSlug, repo.name);
  let deliveries = 0;
  if (pushHooks.length) for (const u of branches) deliveries += (await emitRepoEvent(db, repo, "push", await pushPayload(dir, repo, u, user))).length;
  if (tagHooks.length) for (const u of tags) deliveries += (await emitRepoEvent(db, repo, "tag", await tagPushPayload(dir, repo, u, user))).length;
  return { deliveries };
}
