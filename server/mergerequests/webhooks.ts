import type { DbOrTx } from "@/db/client";
import type { mergeRequests } from "@/db/schema";
import type { RepoWithOrg } from "@/server/git/repos";
import { emitRepoEvent } from "@/server/webhooks";
import { projectOf, repoWebUrl } from "@/server/webhooks/payloads";

type Row = typeof mergeRequests.$inferSelect;
type Who = { id: string; username: string; displayName: string; email: string | null } | null;
export type MrAction = "open" | "update" | "close" | "reopen" | "merge" | "approved" | "unapproved";

/** GitLab-shaped merge_request payload (object_attributes.action says what happened). */
export function mergeRequestPayload(repo: RepoWithOrg, mr: Row, action: MrAction, user: Who) {
  return {
    object_kind: "merge_request",
    event_type: "merge_request",
    user:
      user ?
        { id: user.id, name: user.displayName, username: user.username, email: user.email ?? "" }
      : { id: null, name: "Rookery", username: "rookery", email: "" },
    ...projectOf(repo),
    object_attributes: {
      id: mr.id,
      iid: mr.number,
      title: mr.title,
      description: mr.description,
      state: mr.state === "open" ? "opened" : mr.state,
      action,
      source_branch: mr.sourceBranch,
      target_branch: mr.targetBranch,
      merge_status: mr.mergeability,
      last_commit: { id: mr.headSha },
      merge_commit_sha: mr.mergeCommitSha,
      author_id: mr.authorId,
      url: `${repoWebUrl(repo)}/merge_requests/${mr.number}`,
      created_at: mr.createdAt.toISOString(),
      updated_at: mr.updatedAt.toISOString(),
    },
  };
}

/** The `merge_request` event, plus the `merge` event when it was merged. A webhook problem never fails the change. */
export async function emitMergeRequestEvent(db: DbOrTx, repo: RepoWithOrg, mr: Row, action: MrAction, user: Who) {
  try {
    const payload = mergeRequestPayload(repo, mr, action, user);
    await emitRepoEvent(db, repo, "merge_request", payload);
    if (action === "merge") await emitRepoEvent(db, repo, "merge", payload);
  } catch (e) {
    console.error(`webhooks for ${repo.orgSlug}/${repo.name}!${mr.number}:`, e instanceof Error ? e.message : e);
  }
}
