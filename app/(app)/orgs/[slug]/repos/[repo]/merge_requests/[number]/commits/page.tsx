import { api } from "@/server/api/server";
import { EmptyState } from "@/components/ui";
import { CommitList } from "@/components/code/commit-list";
import { load } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { MrHeader } from "@/components/mergerequests/header";
import { mrNumber } from "@/components/mergerequests/params";

type Props = { params: Promise<{ slug: string; repo: string; number: string }> };

export async function generateMetadata({ params }: Props) {
  const { repo, number } = await params;
  return { title: `Commits · !${number} · ${repo}` };
}

export default async function MergeRequestCommitsPage({ params }: Props) {
  const { slug, repo: name, number: raw } = await params;
  const number = mrNumber(raw);
  const caller = await api();
  const [{ repo }, d] = await Promise.all([load(caller.code.refs({ slug, name })), load(caller.mergeRequests.commits({ slug, name, number }))]);
  return (
    <div>
      <RepoNav repo={repo} active="merge_requests" />
      <MrHeader slug={slug} repo={name} mr={d.mr} active="commits" />
      {d.commits.length === 0 ?
        <EmptyState title="No commits">The target branch already has every commit of the source.</EmptyState>
      : <>
          <CommitList commits={d.commits} slug={slug} repo={name} statuses={d.statuses} />
          {d.total > d.commits.length && <p className="mt-2 text-sm text-gray-500">…and {d.total - d.commits.length} older commits.</p>}
        </>
      }
    </div>
  );
}
