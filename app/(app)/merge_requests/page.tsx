import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { cx, EmptyState, formatDate, PageHeader } from "@/components/ui";
import { pageParam } from "@/components/code/load";
import { PageNumberPager } from "@/components/pager";
import { mrUrl } from "@/components/code/urls";
import { MergeabilityBadge } from "@/components/mergerequests/badges";

export const metadata = { title: "Merge requests" };

const filters = [
  { id: "assigned", label: "Assigned to me" },
  { id: "review", label: "Review requested" },
  { id: "created", label: "Created by me" },
  { id: "all", label: "All in my organizations" },
] as const;

type Props = { searchParams: Promise<{ filter?: string | string[]; page?: string | string[] }> };

/** The inbox: open merge requests assigned to me, waiting for my review, that I opened, or all in my orgs. */
export default async function InboxPage({ searchParams }: Props) {
  const sp = await searchParams;
  const filter = filters.find((f) => f.id === sp.filter)?.id ?? "review";
  const caller = await api();
  const [data, counts] = await Promise.all([orNotFound(caller.mergeRequests.inbox({ filter, page: pageParam(sp.page) })), caller.mergeRequests.inboxCounts()]);
  const here = (p: number, f: string = filter) => `/merge_requests?filter=${f}${p > 1 ? `&page=${p}` : ""}`;
  return (
    <div>
      <PageHeader title="Merge requests" description="Open merge requests in your organizations." />
      <nav aria-label="Inbox filter" className="mb-3 flex flex-wrap gap-1 text-sm">
        {filters.map((f) => (
          <Link
            key={f.id}
            href={here(1, f.id)}
            aria-current={f.id === filter ? "page" : undefined}
            className={cx(
              "rounded-md px-3 py-1",
              f.id === filter ? "bg-gray-200 font-medium dark:bg-gray-700" : "text-gray-600 hover:bg-gray-100 dark:text-gray-400 dark:hover:bg-gray-800",
            )}
          >
            {f.label} <span className="text-gray-500">{counts[f.id]}</span>
          </Link>
        ))}
      </nav>
      {data.items.length === 0 ?
        <EmptyState title="Nothing here">No open merge requests match.</EmptyState>
      : <ul
          aria-label="Merge requests"
          className="divide-y divide-gray-200 rounded-lg border border-gray-200 bg-white dark:divide-gray-700 dark:border-gray-700 dark:bg-gray-800"
        >
          {data.items.map((m) => (
            <li key={m.id} className="flex items-start justify-between gap-3 px-4 py-3">
              <div className="min-w-0">
                <Link href={mrUrl(m.org, m.repo, m.number)} className="font-medium hover:underline">
                  {m.title}
                </Link>
                <p className="mt-0.5 text-xs text-gray-500">
                  {m.org}/{m.repo}!{m.number} · {m.author ?? "a deleted user"} · {formatDate(m.createdAt)} · <span className="font-mono">{m.sourceBranch}</span>{" "}
                  → <span className="font-mono">{m.targetBranch}</span>
                </p>
              </div>
              <MergeabilityBadge value={m.mergeability} />
            </li>
          ))}
        </ul>
      }
      <PageNumberPager page={data.page} hasMore={data.hasMore} href={(p) => here(p)} />
    </div>
  );
}
