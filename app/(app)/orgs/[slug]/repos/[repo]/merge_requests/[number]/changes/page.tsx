import { api } from "@/server/api/server";
import { EmptyState } from "@/components/ui";
import { DiffView } from "@/components/code/diff-view";
import { load } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { LazyFileBody } from "@/components/mergerequests/lazy-file";
import { lineExtras } from "@/components/mergerequests/line-extras";
import { MrHeader } from "@/components/mergerequests/header";
import { mrNumber } from "@/components/mergerequests/params";

type Props = { params: Promise<{ slug: string; repo: string; number: string }> };

export async function generateMetadata({ params }: Props) {
  const { repo, number } = await params;
  return { title: `Changes · !${number} · ${repo}` };
}

/** The diff from the merge base to the source head; comment on any line, threads show under it. */
export default async function MergeRequestChangesPage({ params }: Props) {
  const { slug, repo: name, number: raw } = await params;
  const number = mrNumber(raw);
  const caller = await api();
  const [{ repo }, d] = await Promise.all([load(caller.code.refs({ slug, name })), load(caller.mergeRequests.changes({ slug, name, number }))]);
  const at = { slug, name, number };
  const filesWithThreads = (paths: string[]) => d.threads.filter((t) => t.path && paths.includes(t.path));
  return (
    <div>
      <RepoNav repo={repo} active="merge_requests" />
      <MrHeader slug={slug} repo={name} mr={d.mr} active="changes" />
      {!d.diff ? (
        <EmptyState title="No changes to show">The target branch no longer exists.</EmptyState>
      ) : (
        <DiffView
          diff={d.diff}
          slug={slug}
          repo={name}
          at={{ old: d.mergeBase, new: d.mr.headSha }}
          extras={lineExtras(d.threads, at, d.canComment)}
          deferredBody={(f) => {
            const paths = [...new Set([f.oldPath, f.newPath].filter((p): p is string => !!p))];
            return <LazyFileBody at={at} from={d.from!} to={d.mr.headSha} paths={paths} threads={filesWithThreads(paths)} canComment={d.canComment} />;
          }}
        />
      )}
    </div>
  );
}
