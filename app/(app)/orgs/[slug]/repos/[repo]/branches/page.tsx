import Link from "next/link";
import { api } from "@/server/api/server";
import { Badge, EmptyState, formatDate, Table, td, th } from "@/components/ui";
import { EnvironmentBadge } from "@/components/git/env-badge";
import { load, pageParam } from "@/components/code/load";
import { PageNumberPager } from "@/components/pager";
import { RepoNav } from "@/components/code/repo-nav";
import { commitUrl, compareUrl, newMrUrl, repoUrl, treeUrl } from "@/components/code/urls";

export const metadata = { title: "Branches" };

type Props = { params: Promise<{ slug: string; repo: string }>; searchParams: Promise<{ page?: string | string[] }> };

export default async function BranchesPage({ params, searchParams }: Props) {
  const { slug, repo: name } = await params;
  const data = await load((await api()).code.branches({ slug, name, page: pageParam((await searchParams).page) }));
  const { repo, base, branches, page, hasMore, total } = data;
  const here = (p: number) => `${repoUrl(slug, name)}/branches${p > 1 ? `?page=${p}` : ""}`;
  return (
    <div>
      <RepoNav repo={repo} active="branches" />
      {total === 0 ?
        <EmptyState title="No branches yet">Push a first commit to create one.</EmptyState>
      : <>
          <p className="mb-2 text-sm text-gray-600 dark:text-gray-400">
            {total} {total === 1 ? "branch" : "branches"}
            {base && (
              <>
                ; ahead/behind counts are relative to <span className="font-mono">{base}</span>
              </>
            )}
            .
          </p>
          <Table label="Branches">
            <thead>
              <tr>
                <th className={th}>Branch</th>
                <th className={th}>Environment</th>
                <th className={th}>Last commit</th>
                <th className={th}>Updated</th>
                <th className={th}>Behind | ahead</th>
                <th className={th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {branches.map((b) => (
                <tr key={b.name}>
                  <td className={td}>
                    <Link href={treeUrl(slug, name, b.name)} className="whitespace-nowrap font-mono text-brand-600 hover:underline">
                      {b.name}
                    </Link>{" "}
                    {b.isDefault && <Badge>default</Badge>}
                  </td>
                  <td className={td}>
                    <EnvironmentBadge environment={b.environment} />
                  </td>
                  <td className={td}>
                    <Link href={commitUrl(slug, name, b.sha)} className="font-mono text-xs text-gray-500 hover:underline">
                      {b.sha.slice(0, 8)}
                    </Link>{" "}
                    {b.subject}
                  </td>
                  <td className={`${td} whitespace-nowrap`}>{formatDate(b.date)}</td>
                  <td className={td}>
                    {b.name === base ?
                      <span className="text-xs text-gray-500">base</span>
                    : b.ahead !== null ?
                      <span className="font-mono text-xs" aria-label={`${b.behind} behind, ${b.ahead} ahead of ${base}`}>
                        {b.behind} | {b.ahead}
                      </span>
                    : "—"}
                  </td>
                  <td className={td}>
                    {base && b.name !== base && (
                      <span className="flex gap-3 whitespace-nowrap">
                        <Link href={compareUrl(slug, name, base, b.name)} className="text-sm text-brand-600 hover:underline">
                          Compare
                        </Link>
                        {b.ahead !== 0 && (
                          <Link
                            href={newMrUrl(slug, name, b.name, base)}
                            className="text-sm text-brand-600 hover:underline"
                            aria-label={`Open a merge request for ${b.name}`}
                          >
                            Merge request
                          </Link>
                        )}
                      </span>
                    )}
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
