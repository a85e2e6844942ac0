import Link from "next/link";
import { api } from "@/server/api/server";
import { EmptyState, formatDate, Table, td, th } from "@/components/ui";
import { load, pageParam } from "@/components/code/load";
import { PageNumberPager } from "@/components/pager";
import { RepoNav } from "@/components/code/repo-nav";
import { archiveUrl, commitUrl, repoUrl, treeUrl } from "@/components/code/urls";

export const metadata = { title: "Tags" };

type Props = { params: Promise<{ slug: string; repo: string }>; searchParams: Promise<{ page?: string | string[] }> };

export default async function TagsPage({ params, searchParams }: Props) {
  const { slug, repo: name } = await params;
  const { repo, tags, page, hasMore } = await load((await api()).code.tags({ slug, name, page: pageParam((await searchParams).page) }));
  const here = (p: number) => `${repoUrl(slug, name)}/tags${p > 1 ? `?page=${p}` : ""}`;
  return (
    <div>
      <RepoNav repo={repo} active="tags" />
      {tags.length === 0 && page === 1 ?
        <EmptyState title="No tags yet">
          Tag a release with <code>git tag v1.0.0 &amp;&amp; git push origin v1.0.0</code> (versions must be semver vX.Y.Z).
        </EmptyState>
      : <>
          <Table label="Tags">
            <thead>
              <tr>
                <th className={th}>Tag</th>
                <th className={th}>Date</th>
                <th className={th}>Commit</th>
                <th className={th}>
                  <span className="sr-only">Download</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {tags.map((t) => (
                <tr key={t.name}>
                  <td className={td}>
                    <Link href={treeUrl(slug, name, t.name)} className="font-mono text-brand-600 hover:underline">
                      {t.name}
                    </Link>
                    {t.annotated && t.subject && <p className="text-xs text-gray-500">{t.subject}</p>}
                  </td>
                  <td className={td}>{formatDate(t.date)}</td>
                  <td className={td}>
                    <Link href={commitUrl(slug, name, t.commit)} className="font-mono text-xs text-gray-500 hover:underline">
                      {t.commit.slice(0, 8)}
                    </Link>
                  </td>
                  <td className={td}>
                    <a href={archiveUrl(slug, name, t.name)} className="text-sm text-brand-600 hover:underline" aria-label={`Download ${t.name} as .tar.gz`}>
                      Download .tar.gz
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <PageNumberPager page={page} hasMore={hasMore} href={here} />
        </>
      }
    </div>
  );
}
