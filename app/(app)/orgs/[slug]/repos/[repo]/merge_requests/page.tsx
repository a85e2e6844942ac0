import Link from "next/link";
import { api } from "@/server/api/server";
import { buttonClass, cx, EmptyState, formatDate } from "@/components/ui";
import { load, pageParam } from "@/components/code/load";
import { PageNumberPager } from "@/components/pager";
import { RepoNav } from "@/components/code/repo-nav";
import { mrUrl, newMrUrl, repoUrl } from "@/components/code/urls";
import { MergeabilityBadge, StateBadge } from "@/components/mergerequests/badges";

export const metadata = { title: "Merge requests" };

type Props = { params: Promise<{ slug: string; repo: string }>; searchParams: Promise<{ page?: string | string[]; state?: string | string[] }> };
const states = ["open", "merged", "closed", "all"] as const;

export default async function MergeRequestsPage({ params, searchParams }: Props) {
  const { slug, repo: name } = await params;
  const sp = await searchParams;
  const state = states.find((s) => s === sp.state) ?? "open";
  const caller = await api();
  const [{ repo }, data] = await Promise.all([
    load(caller.code.refs({ slug, name })),
    load(caller.mergeRequests.list({ slug, name, state, page: pageParam(sp.page) })),
  ]);
  const base = `${repoUrl(slug, name)}/merge_requests`;
  const here = (p: number, s = state) => `${base}?state=${s}${p > 1 ? `&page=${p}` : ""}`;
  return (
    <div>
      <RepoNav repo={repo} active="merge_requests" />
      <div className="mb-3 flex items-center justify-between gap-3">
        <nav aria-label="Merge request state" className="flex gap-1 text-sm">
          {states.map((s) => (
            <Link
              key={s}
              href={here(1, s)}
              aria-current={s === state ? "page" : undefined}
              className={cx(
                "rounded-md px-3 py-1",
                s === state ? "bg-gray-200 font-medium dark:bg-gray-700" : "text-gray-600 hover:bg-gray-100 dark:text-gray-400 dark:hover:bg-gray-800",
              )}
            >
              {s[0].toUpperCase() + s.slice(1)} <span className="text-gray-500">{data.counts[s]}</span>
            </Link>
          ))}
        </nav>
        {data.canCreate && (
          <Link href={newMrUrl(slug, name)} className={buttonClass.primary}>
            New merge request
          </Link>
        )}
      </div>
      {data.items.length === 0 ?
        <EmptyState title={`No ${state === "all" ? "" : `${state} `}merge requests`}>Push a branch and open a merge request to propose its changes.</EmptyState>
      : <ul
          aria-label="Merge requests"
          className="divide-y divide-gray-200 rounded-lg border border-gray-200 bg-white dark:divide-gray-700 dark:border-gray-700 dark:bg-gray-800"
        >
          {data.items.map(({ mr, author }) => (
            <li key={mr.id} className="flex items-start justify-between gap-3 px-4 py-3">
              <div className="min-w-0">
                <Link href={mrUrl(slug, name, mr.number)} className="font-medium text-gray-900 hover:underline dark:text-gray-50">
                  {mr.title}
                </Link>
                <p className="mt-0.5 text-xs text-gray-500">
                  !{mr.number} · opened {formatDate(mr.createdAt)} by {author?.displayName ?? "a deleted user"} ·{" "}
                  <span className="font-mono">{mr.sourceBranch}</span> → <span className="font-mono">{mr.targetBranch}</span>
                </p>
              </div>
              <span className="flex shrink-0 items-center gap-2">
                {mr.state === "open" && <MergeabilityBadge value={mr.mergeability} />}
                <StateBadge state={mr.state} />
              </span>
            </li>
          ))}
        </ul>
      }
      <PageNumberPager page={data.page} hasMore={data.hasMore} href={(p) => here(p)} />
    </div>
  );
}
