import Link from "next/link";
import { api } from "@/server/api/server";
import { buttonClass, Card, formatDate } from "@/components/ui";
import { DiffView } from "@/components/code/diff-view";
import { load } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { commitUrl, treeUrl } from "@/components/code/urls";

type Props = { params: Promise<{ slug: string; repo: string; sha: string }> };

export async function generateMetadata({ params }: Props) {
  const { repo, sha } = await params;
  return { title: `Commit ${sha.slice(0, 8)} · ${repo}` };
}

export default async function CommitPage({ params }: Props) {
  const { slug, repo: name, sha } = await params;
  const { repo, commit, diff } = await load((await api()).code.commit({ slug, name, sha }));
  const body = commit.message.split("\n").slice(1).join("\n").trim();
  return (
    <div>
      <RepoNav repo={repo} active="commits" />
      <Card className="mb-4 p-4">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <h3 className="text-lg font-semibold">{commit.subject || "(no message)"}</h3>
            <p className="mt-1 text-sm text-gray-600 dark:text-gray-400">
              <span title={commit.authorEmail}>{commit.authorName}</span> authored{" "}
              <time dateTime={commit.authorDate.toISOString()}>{formatDate(commit.authorDate)}</time>
              {(commit.committerName !== commit.authorName || commit.committerEmail !== commit.authorEmail) && (
                <>
                  {" "}
                  · <span title={commit.committerEmail}>{commit.committerName}</span> committed{" "}
                  <time dateTime={commit.committerDate.toISOString()}>{formatDate(commit.committerDate)}</time>
                </>
              )}
            </p>
          </div>
          <Link href={treeUrl(slug, name, commit.sha)} className={buttonClass.secondary}>
            Browse files
          </Link>
        </div>
        {body && <pre className="mt-3 whitespace-pre-wrap break-words text-sm text-gray-800 dark:text-gray-200">{body}</pre>}
        <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
          <dt className="text-gray-500">Commit</dt>
          <dd className="font-mono text-xs">{commit.sha}</dd>
          <dt className="text-gray-500">{commit.parents.length === 1 ? "Parent" : "Parents"}</dt>
          <dd className="flex gap-2 font-mono text-xs">
            {commit.parents.length === 0 ?
              "none (first commit)"
            : commit.parents.map((p) => (
                <Link key={p} href={commitUrl(slug, name, p)} className="text-brand-600 hover:underline">
                  {p.slice(0, 8)}
                </Link>
              ))
            }
          </dd>
        </dl>
      </Card>
      {commit.parents.length > 1 && <p className="mb-2 text-sm text-gray-600 dark:text-gray-400">Merge commit: changes shown against the first parent.</p>}
      <DiffView diff={diff} slug={slug} repo={name} at={{ old: commit.parents[0] ?? null, new: commit.sha }} />
    </div>
  );
}
