import Link from "next/link";
import { api } from "@/server/api/server";
import { cx, EmptyState } from "@/components/ui";
import { mrUrl } from "@/components/code/urls";
import { DiffView } from "@/components/code/diff-view";
import { load } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { LazyFileBody } from "@/components/mergerequests/lazy-file";
import { lineExtras } from "@/components/mergerequests/line-extras";
import { MrHeader } from "@/components/mergerequests/header";
import { mrNumber } from "@/components/mergerequests/params";

type Props = { params: Promise<{ slug: string; repo: string; number: string }>; searchParams: Promise<{ view?: string | string[] }> };

export async function generateMetadata({ params }: Props) {
  const { repo, number } = await params;
  return { title: `Changes · !${number} · ${repo}` };
}

/** The diff from the merge base to the source head; comment on any line, threads show under it. */
export default async function MergeRequestChangesPage({ params, searchParams }: Props) {
  const { slug, repo: name, number: raw } = await params;
  const split = (await searchParams).view === "split";
  const number = mrNumber(raw);
  const caller = await api();
  const [{ repo }, d] = await Promise.all([load(caller.code.refs({ slug, name })), load(caller.mergeRequests.changes({ slug, name, number }))]);
  const at = { slug, name, number };
  const filesWithThreads = (paths: string[]) => d.threads.filter((t) => t.path && paths.includes(t.path));
  return (
    <div>
      <RepoNav repo={repo} active="merge_requests" />
      <MrHeader slug={slug} repo={name} mr={d.mr} active="changes" />
      {!d.diff ?
        <EmptyState title="No changes to show">The target branch no longer exists.</EmptyState>
      : <>
          <nav aria-label="Diff view" className="mb-3 flex gap-1 text-sm">
            {[
              { id: false, label: "Unified" },
              { id: true, label: "Side by side" },
            ].map((v) => (
              <Link
                key={v.label}
                href={`${mrUrl(slug, name, number, "changes")}${v.id ? "?view=split" : ""}`}
                aria-current={v.id === split ? "page" : undefined}
                className={cx(
                  "rounded-md px-3 py-1",
                  v.id === split ? "bg-gray-200 font-medium dark:bg-gray-700" : "text-gray-600 hover:bg-gray-100 dark:text-gray-400 dark:hover:bg-gray-800",
                )}
              >
                {v.label}
              </Link>
            ))}
          </nav>
          <DiffView
            split={split}
            diff={d.diff}
            slug={slug}
            repo={name}
            at={{ old: d.mergeBase, new: d.mr.headSha }}
            extras={lineExtras(d.threads, at, d.canComment, d.mr.headSha)}
            deferredBody={(f) => {
              const paths = [...new Set([f.oldPath, f.newPath].filter((p): p is string => !!p))];
              return (
                <LazyFileBody
                  at={at}
                  from={d.from!}
                  to={d.mr.headSha}
                  paths={paths}
                  threads={filesWithThreads(paths)}
                  canComment={d.canComment}
                  split={split}
                />
              );
            }}
          />
        </>
      }
    </div>
  );
}
