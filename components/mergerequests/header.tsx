import Link from "next/link";
import { TabNav } from "@/components/tab-nav";
import { formatDate } from "@/components/ui";
import { mrUrl, treeUrl } from "@/components/code/urls";
import { StateBadge } from "./badges";

type Mr = { number: number; title: string; state: "open" | "merged" | "closed"; sourceBranch: string; targetBranch: string; createdAt: Date };

/** Title, state, branches and the Overview / Commits / Changes tabs of a merge request. */
export function MrHeader({
  slug,
  repo,
  mr,
  author,
  active,
}: {
  slug: string;
  repo: string;
  mr: Mr;
  author?: string | null;
  active: "overview" | "commits" | "changes";
}) {
  const tabs = [
    { id: "overview", label: "Overview", href: mrUrl(slug, repo, mr.number) },
    { id: "commits", label: "Commits", href: mrUrl(slug, repo, mr.number, "commits") },
    { id: "changes", label: "Changes", href: mrUrl(slug, repo, mr.number, "changes") },
  ] as const;
  return (
    <div className="mb-4">
      <h3 className="text-lg font-semibold">
        {mr.title} <span className="font-normal text-gray-500">!{mr.number}</span>
      </h3>
      <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-gray-600 dark:text-gray-400">
        <StateBadge state={mr.state} />
        {author !== undefined && <span>{author ?? "A deleted user"} wants to merge</span>}
        <Link href={treeUrl(slug, repo, mr.sourceBranch)} className="font-mono text-brand-600 hover:underline">
          {mr.sourceBranch}
        </Link>
        into
        <Link href={treeUrl(slug, repo, mr.targetBranch)} className="font-mono text-brand-600 hover:underline">
          {mr.targetBranch}
        </Link>
        <span>· opened {formatDate(mr.createdAt)}</span>
      </p>
      <TabNav label="Merge request" tabs={tabs} active={active} className="mt-3" />
    </div>
  );
}
