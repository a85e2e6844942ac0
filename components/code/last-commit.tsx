import Link from "next/link";
import { Card, formatDate } from "@/components/ui";
import { commitUrl } from "./urls";

/** The last commit that touched a file or directory: subject, author, date and short sha. */
export function LastCommitCard({
  slug,
  repo,
  commit,
}: {
  slug: string;
  repo: string;
  commit: { sha: string; subject: string; authorName: string; authorDate: Parameters<typeof formatDate>[0] };
}) {
  return (
    <Card className="mb-3 flex flex-wrap items-center justify-between gap-2 px-4 py-2 text-sm">
      <span className="min-w-0 truncate">
        <Link href={commitUrl(slug, repo, commit.sha)} className="font-medium hover:underline">
          {commit.subject}
        </Link>{" "}
        <span className="text-gray-500">
          — {commit.authorName}, {formatDate(commit.authorDate)}
        </span>
      </span>
      <Link href={commitUrl(slug, repo, commit.sha)} className="font-mono text-xs text-gray-500 hover:underline">
        {commit.sha.slice(0, 8)}
      </Link>
    </Card>
  );
}
