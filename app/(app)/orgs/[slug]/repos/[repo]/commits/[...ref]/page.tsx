import Link from "next/link";
import { api } from "@/server/api/server";
import { decodeUrlSegments } from "@/server/git/plumbing/browse";
import { buttonClass, EmptyState, inputClass } from "@/components/ui";
import { CommitList } from "@/components/code/commit-list";
import { load, pageParam, segmentsParam } from "@/components/code/load";
import { RefPicker } from "@/components/code/ref-picker";
import { RepoNav } from "@/components/code/repo-nav";
import { commitsUrl, treeUrl } from "@/components/code/urls";

type Props = { params: Promise<{ slug: string; repo: string; ref: string[] }>; searchParams: Promise<{ path?: string | string[]; page?: string | string[] }> };

export async function generateMetadata({ params }: Props) {
  const { repo, ref } = await params;
  return { title: `Commits · ${(decodeUrlSegments(ref) ?? []).join("/")} · ${repo}` };
}

export default async function CommitsPage({ params, searchParams }: Props) {
  const { slug, repo: name, ref: raw } = await params;
  const segments = segmentsParam(raw);
  const sp = await searchParams;
  const path = typeof sp.path === "string" && sp.path !== "" ? sp.path : undefined;
  const data = await load((await api()).code.commits({ slug, name, ref: segments, path, page: pageParam(sp.page) }));
  const { repo, ref, refs, commits, hasMore, page } = data;
  const here = (opts: { page?: number }) => commitsUrl(slug, name, ref.name, { path: data.path, ...opts });

  return (
    <div>
      <RepoNav repo={repo} active="commits" at={ref.name} />
      <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
        <div className="flex flex-wrap items-center gap-3">
          <RefPicker current={ref} branches={refs.branches} tags={refs.tags} hrefFor={(r) => commitsUrl(slug, name, r, { path: data.path })} />
          {data.path && (
            <p className="text-sm">
              History of{" "}
              <Link href={treeUrl(slug, name, ref.name, data.path)} className="font-mono text-brand-600 hover:underline">
                {data.path}
              </Link>
            </p>
          )}
        </div>
        <form action={commitsUrl(slug, name, ref.name)} className="flex items-end gap-2" role="search">
          <div>
            <label htmlFor="commit-path" className="block text-xs font-medium text-gray-600 dark:text-gray-400">
              Filter by path
            </label>
            <input
              id="commit-path"
              name="path"
              defaultValue={data.path ?? ""}
              placeholder="e.g. hieradata/common.yaml"
              className={`${inputClass} w-72 font-mono`}
            />
          </div>
          <button type="submit" className={buttonClass.secondary}>
            Filter
          </button>
        </form>
      </div>

      {commits.length === 0 ?
        <EmptyState title={page > 1 ? "No more commits" : "No commits"}>
          {data.path ? "No commit on this ref touches that path. Check the spelling, or pick another branch." : "This ref has no commits on this page."}
        </EmptyState>
      : <CommitList commits={commits} slug={slug} repo={name} statuses={data.statuses} />}

      {(page > 1 || hasMore) && (
        <nav aria-label="Pagination" className="mt-4 flex gap-2">
          {page > 1 && (
            <Link className={buttonClass.secondary} href={here({ page: page - 1 })}>
              Newer
            </Link>
          )}
          {hasMore && (
            <Link className={buttonClass.secondary} href={here({ page: page + 1 })}>
              Older
            </Link>
          )}
        </nav>
      )}
    </div>
  );
}
