import Link from "next/link";
import type { CommitSummary } from "@/server/git/plumbing/browse";
import { formatDate } from "@/components/ui";
import { StatusBadge } from "@/components/mergerequests/badges";
import { commitUrl, treeUrl } from "./urls";

const overall = (s: { state: "pending" | "success" | "failed" }[]) =>
  s.some((x) => x.state === "failed") ? "failed"
  : s.some((x) => x.state === "pending") ? "pending"
  : "success";

/** Commits as GitLab lists them: subject, author and date, short sha, browse files. */
export function CommitList({
  commits,
  slug,
  repo,
  label = "Commits",
  statuses,
}: {
  commits: CommitSummary[];
  slug: string;
  repo: string;
  label?: string;
  /** commit statuses by sha (CI, builds): shown as one badge per commit */
  statuses?: Record<string, { context: string; state: "pending" | "success" | "failed" }[]>;
}) {
  return (
    <ul
      aria-label={label}
      className="divide-y divide-gray-200 rounded-lg border border-gray-200 bg-white dark:divide-gray-700 dark:border-gray-700 dark:bg-gray-800"
    >
      {commits.map((c) => (
        <li key={c.sha} className="flex flex-wrap items-center justify-between gap-3 px-4 py-2">
          <div className="min-w-0">
            <Link href={commitUrl(slug, repo, c.sha)} className="font-medium text-gray-900 hover:text-brand-600 hover:underline dark:text-gray-100">
              {c.subject || "(no message)"}
            </Link>
            <p className="text-xs text-gray-500 dark:text-gray-400">
              <span title={c.authorEmail}>{c.authorName}</span> authored <time dateTime={c.authorDate.toISOString()}>{formatDate(c.authorDate)}</time>
            </p>
          </div>
          <div className="flex items-center gap-2 text-xs">
            {statuses?.[c.sha]?.length ?
              <span title={statuses[c.sha].map((s) => `${s.context}: ${s.state}`).join("\n")}>
                <StatusBadge state={overall(statuses[c.sha])} />
              </span>
            : null}
            <Link
              href={commitUrl(slug, repo, c.sha)}
              className="rounded border border-gray-300 px-2 py-0.5 font-mono hover:bg-gray-50 dark:border-gray-600 dark:hover:bg-gray-700"
            >
              {c.sha.slice(0, 8)}
            </Link>
            <Link href={treeUrl(slug, repo, c.sha)} className="text-brand-600 hover:underline" aria-label={`Browse files at ${c.sha.slice(0, 8)}`}>
              Browse files
            </Link>
          </div>
        </li>
      ))}
    </ul>
  );
}
