import Link from "next/link";
import { notFound } from "next/navigation";
import { api } from "@/server/api/server";
import { decodeUrlSegments } from "@/server/git/plumbing/browse";
import { EmptyState } from "@/components/ui";
import { CommitList } from "@/components/code/commit-list";
import { CompareForm } from "@/components/code/compare-form";
import { DiffView } from "@/components/code/diff-view";
import { load, segmentsParam } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { compareUrl, repoUrl } from "@/components/code/urls";

type Props = { params: Promise<{ slug: string; repo: string; spec: string[] }> };

export async function generateMetadata({ params }: Props) {
  const { repo, spec } = await params;
  return { title: `Compare ${(decodeUrlSegments(spec) ?? []).join("/")} · ${repo}` };
}

export default async function ComparePage({ params }: Props) {
  const { slug, repo: name, spec } = await params;
  const joined = segmentsParam(spec).join("/");
  const at = joined.indexOf("...");
  if (at <= 0 || at + 3 >= joined.length) notFound();
  const data = await load((await api()).code.compare({ slug, name, base: joined.slice(0, at), head: joined.slice(at + 3) }));
  const { repo, refs, base, head, commits, total, diff } = data;
  return (
    <div>
      <RepoNav repo={repo} active="compare" />
      <CompareForm action={`${repoUrl(slug, name)}/compare`} branches={refs.branches} tags={refs.tags} base={base.name} head={head.name} />
      <p className="mb-4 text-sm text-gray-600 dark:text-gray-400">
        <span className="font-mono">{head.name}</span> has {total} {total === 1 ? "commit" : "commits"} that <span className="font-mono">{base.name}</span> does
        not.{" "}
        <Link href={compareUrl(slug, name, head.name, base.name)} className="text-brand-600 hover:underline">
          Swap
        </Link>
      </p>
      {total === 0 ?
        <EmptyState title={`${base.name} is up to date with all commits from ${head.name}`}>Try switching the base and head.</EmptyState>
      : <>
          <h3 className="mb-2 font-semibold">Commits</h3>
          <CommitList commits={commits} slug={slug} repo={name} />
          {total > commits.length && <p className="mt-2 text-sm text-gray-500">…and {total - commits.length} older commits.</p>}
          <h3 className="mb-2 mt-6 font-semibold">Changes</h3>
          <DiffView diff={diff} slug={slug} repo={name} at={{ old: data.mergeBase ?? base.commit, new: head.commit }} />
        </>
      }
    </div>
  );
}
