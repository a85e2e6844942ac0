import { and, asc, eq } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { mergeRequestApprovals, mergeRequestComments, users } from "@/db/schema";
import type { RepoWithOrg } from "@/server/git/repos";
import type { User } from "@/server/users";
import { notify } from "@/server/notify";
import { MrInputError, MrStateError, mrPath, recordEvent, type MergeRequest } from "./index";
import { emitMergeRequestEvent } from "./webhooks";
import { isSafePath } from "@/server/git/plumbing/browse";

/** Approvals (per user, for the head they saw) and comments (general or on a line, in threads). */

export async function approve(db: Db, repo: RepoWithOrg, mr: MergeRequest, user: User, expectedHeadSha: string) {
  if (mr.state !== "open") throw new MrStateError("Only open merge requests can be approved");
  if (expectedHeadSha !== mr.headSha)
    throw new MrStateError("New commits were pushed since you loaded the page: review them and approve again", { headSha: mr.headSha });
  await db
    .insert(mergeRequestApprovals)
    .values({ mrId: mr.id, userId: user.id, headSha: mr.headSha })
    .onConflictDoUpdate({ target: [mergeRequestApprovals.mrId, mergeRequestApprovals.userId], set: { headSha: mr.headSha, createdAt: new Date() } });
  await recordEvent(db, mr.id, user.id, "approved", { headSha: mr.headSha });
  await emitMergeRequestEvent(db, repo, mr, "approved", user);
  await tellAuthor(
    db,
    repo,
    mr,
    user,
    "mr.approved",
    `${who(user)} approved !${mr.number}: ${mr.title}`,
    `${repo.orgSlug}/${repo.name}, into ${mr.targetBranch}`,
  );
}

const who = (u: User) => u.displayName || u.username;

/** The merge request's author hears what others do with it (in-app, e-mail by their preferences), as on GitLab. */
async function tellAuthor(db: DbOrTx, repo: RepoWithOrg, mr: MergeRequest, actor: User, kind: "mr.commented" | "mr.approved", title: string, body: string) {
  if (!mr.authorId || mr.authorId === actor.id) return;
  await notify(db, { kind, title, body, link: mrPath(repo, mr.number), orgId: repo.orgId, userIds: [mr.authorId] });
}

export async function revokeApproval(db: Db, repo: RepoWithOrg, mr: MergeRequest, user: User) {
  const gone = await db
    .delete(mergeRequestApprovals)
    .where(and(eq(mergeRequestApprovals.mrId, mr.id), eq(mergeRequestApprovals.userId, user.id)))
    .returning();
  if (!gone.length) return;
  await recordEvent(db, mr.id, user.id, "unapproved");
  await emitMergeRequestEvent(db, repo, mr, "unapproved", user);
}

export type NewComment = {
  body: string;
  /** reply to this thread (its first comment) */
  threadId?: string | null;
  /** a line comment: file, line and side of the diff, and the head it was written on */
  path?: string | null;
  line?: number | null;
  side?: "old" | "new" | null;
};

export const MAX_COMMENT = 20_000;

export async function addComment(db: DbOrTx, repo: RepoWithOrg, mr: MergeRequest, user: User, input: NewComment) {
  const body = input.body.trim();
  if (!body) throw new MrInputError("body", "Write something first");
  if (body.length > MAX_COMMENT) throw new MrInputError("body", `At most ${MAX_COMMENT} characters`);
  let position: { path: string | null; line: number | null; side: "old" | "new" | null; commitSha: string | null } = {
    path: null,
    line: null,
    side: null,
    commitSha: null,
  };
  if (input.threadId) {
    const [root] = await db
      .select()
      .from(mergeRequestComments)
      .where(and(eq(mergeRequestComments.id, input.threadId), eq(mergeRequestComments.mrId, mr.id)));
    if (!root || root.threadId) throw new MrInputError("body", "That thread does not exist");
  } else if (input.path) {
    if (!isSafePath(input.path)) throw new MrInputError("path", "Comment on a file of this merge request's diff");
    if (!input.line || input.line < 1) throw new MrInputError("line", "Pick a line of the diff");
    position = { path: input.path, line: input.line, side: input.side ?? "new", commitSha: mr.headSha };
  }
  const [row] = await db
    .insert(mergeRequestComments)
    .values({ mrId: mr.id, authorId: user.id, body, threadId: input.threadId ?? null, ...position })
    .returning();
  await tellAuthor(
    db,
    repo,
    mr,
    user,
    "mr.commented",
    `${who(user)} commented on !${mr.number}: ${mr.title}`,
    body.length > 300 ? `${body.slice(0, 300)}…` : body,
  );
  return row;
}

/** Resolves or reopens a thread (its first comment carries the flag). */
export async function setThreadResolved(db: DbOrTx, mr: MergeRequest, user: User, threadId: string, resolved: boolean) {
  const [row] = await db
    .update(mergeRequestComments)
    .set({ resolved, resolvedById: resolved ? user.id : null })
    .where(and(eq(mergeRequestComments.id, threadId), eq(mergeRequestComments.mrId, mr.id)))
    .returning();
  if (!row) throw new MrInputError("threadId", "That thread does not exist");
  return row;
}

export type Thread = {
  id: string;
  path: string | null;
  line: number | null;
  side: "old" | "new" | null;
  commitSha: string | null;
  resolved: boolean;
  comments: { id: string; body: string; at: Date; author: { username: string; displayName: string } | null }[];
};

/** All threads of a merge request, oldest first (capped: a page shows at most 1000 comments). */
export async function listThreads(db: DbOrTx, mrId: string): Promise<Thread[]> {
  const rows = await db
    .select({ c: mergeRequestComments, username: users.username, displayName: users.displayName })
    .from(mergeRequestComments)
    .leftJoin(users, eq(users.id, mergeRequestComments.authorId))
    .where(eq(mergeRequestComments.mrId, mrId))
    .orderBy(asc(mergeRequestComments.createdAt))
    .limit(1000);
  const threads = new Map<string, Thread>();
  for (const { c, username, displayName } of rows) {
    const comment = { id: c.id, body: c.body, at: c.createdAt, author: username ? { username, displayName: displayName ?? username } : null };
    if (!c.threadId)
      threads.set(c.id, { id: c.id, path: c.path, line: c.line, side: c.side, commitSha: c.commitSha, resolved: c.resolved, comments: [comment] });
    else threads.get(c.threadId)?.comments.push(comment);
  }
  return [...threads.values()];
}
