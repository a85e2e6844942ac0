import { Markdown } from "@/components/markdown";
import { Badge, formatDate } from "@/components/ui";
import type { Thread } from "@/server/mergerequests/review";
import { CommentForm, ResolveButton } from "./actions";

type Ref = { slug: string; name: string; number: number };

/** A thread: its comments (markdown, HTML not rendered), reply and resolve. */
export function ThreadView({
  thread,
  at,
  canComment,
  showPosition = true,
  headSha,
}: {
  thread: Thread;
  at: Ref;
  canComment: boolean;
  showPosition?: boolean;
  /** the MR's head: a line thread written on another head is marked as such */
  headSha?: string;
}) {
  return (
    <div data-testid="thread" className="rounded-lg border border-gray-200 bg-white font-sans text-sm whitespace-normal dark:border-gray-700 dark:bg-gray-800">
      {(showPosition && thread.path) || (headSha && thread.commitSha && thread.commitSha !== headSha) ?
        <p className="flex items-center gap-2 border-b border-gray-200 bg-gray-50 px-3 py-1 text-xs dark:border-gray-700 dark:bg-gray-900">
          {showPosition && thread.path && (
            <span className="font-mono">
              {thread.path}:{thread.line} {thread.side === "old" && "(old)"}
            </span>
          )}
          {headSha && thread.commitSha && thread.commitSha !== headSha && <Badge tone="amber">on an older version ({thread.commitSha.slice(0, 8)})</Badge>}
        </p>
      : null}
      <ul className="divide-y divide-gray-100 dark:divide-gray-700">
        {thread.comments.map((c) => (
          <li key={c.id} className="px-3 py-2">
            <p className="mb-1 text-xs text-gray-500">
              <strong className="text-gray-800 dark:text-gray-200">{c.author?.displayName ?? "A deleted user"}</strong> · {formatDate(c.at)}
            </p>
            <Markdown source={c.body} />
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-start gap-3 border-t border-gray-100 px-3 py-2 dark:border-gray-700">
        {thread.resolved && <Badge tone="green">resolved</Badge>}
        {canComment && <ResolveButton at={at} threadId={thread.id} resolved={thread.resolved} />}
        {canComment && (
          <div className="min-w-64 flex-1">
            <CommentForm at={at} threadId={thread.id} label="Reply" compact />
          </div>
        )}
      </div>
    </div>
  );
}
