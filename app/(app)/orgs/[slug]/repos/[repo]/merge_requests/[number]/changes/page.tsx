import { api } from "@/server/api/server";
import { EmptyState } from "@/components/ui";
import { DiffView, type LineExtras } from "@/components/code/diff-view";
import { load } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { CommentForm } from "@/components/mergerequests/actions";
import { MrHeader } from "@/components/mergerequests/header";
import { mrNumber } from "@/components/mergerequests/params";
import { ThreadView } from "@/components/mergerequests/thread";

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
  const key = (path: string, side: string, line: number) => `${side}:${line}:${path}`;
  const threads = new Map<string, typeof d.threads>();
  for (const t of d.threads) {
    const k = key(t.path!, t.side ?? "new", t.line!);
    threads.set(k, [...(threads.get(k) ?? []), t]);
  }
  const extras: LineExtras = (f, l) => {
    if (l.kind === "note") return null;
    const side = l.kind === "del" ? "old" : "new";
    const line = side === "old" ? l.old : l.new;
    const path = side === "old" ? f.oldPath : f.newPath;
    if (!line || !path) return null;
    const here = threads.get(key(path, side, line));
    return {
      action: d.canComment ? <CommentForm at={at} position={{ path, line, side }} label={`Comment on line ${line} of ${path}`} opener="+ comment" compact /> : null,
      below: here?.length ? (
        <div className="space-y-2">
          {here.map((t) => (
            <ThreadView key={t.id} thread={t} at={at} canComment={d.canComment} showPosition={false} />
          ))}
        </div>
      ) : null,
    };
  };
  return (
    <div>
      <RepoNav repo={repo} active="merge_requests" />
      <MrHeader slug={slug} repo={name} mr={d.mr} active="changes" />
      {!d.diff ? (
        <EmptyState title="No changes to show">The target branch no longer exists.</EmptyState>
      ) : (
        <DiffView diff={d.diff} slug={slug} repo={name} at={{ old: d.mergeBase, new: d.mr.headSha }} extras={extras} />
      )}
    </div>
  );
}
