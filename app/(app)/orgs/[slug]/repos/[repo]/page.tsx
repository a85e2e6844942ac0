import { api, orNotFound } from "@/server/api/server";
import { Badge, Card, EmptyState, formatDate, Table, td, th } from "@/components/ui";
import { CopyButton } from "@/components/git/copy-button";
import { EnvironmentBadge } from "@/components/git/env-badge";
import { RepoExtras } from "@/components/git/repo-extras";
import { Markdown } from "@/components/markdown";
import { RepoActions } from "@/components/repos/repo-actions";
import { RepoNav } from "@/components/code/repo-nav";

export default async function RepoPage({ params }: { params: Promise<{ slug: string; repo: string }> }) {
  const { slug, repo: name } = await params;
  const { repo, cloneUrl, branches, tags, ref, readme } = await orNotFound((await api()).repos.get({ slug, name }));
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-semibold">
          {repo.name} {repo.kind === "module-mirror" && <Badge>read-only mirror of {repo.upstream}</Badge>}
        </h2>
        <div className="flex min-w-0 max-w-full items-center gap-2">
          <label htmlFor="clone-url" className="shrink-0 text-sm text-gray-600 dark:text-gray-400">
            Clone with HTTPS
          </label>
          <input
            id="clone-url"
            readOnly
            value={cloneUrl}
            className="w-96 min-w-0 max-w-full rounded border border-gray-300 bg-gray-50 px-2 py-1 font-mono text-xs dark:border-gray-600 dark:bg-gray-900"
          />
          <CopyButton value={cloneUrl} />
        </div>
      </div>
      {repo.description && <p className="text-gray-700 dark:text-gray-300">{repo.description}</p>}
      <RepoExtras slug={slug} name={repo.name} kind={repo.kind} />
      <RepoActions slug={slug} name={repo.name} defaultRef={ref} />
      <RepoNav repo={{ ...repo, defaultRef: ref }} active="overview" heading={false} />

      <section aria-labelledby="branches-heading">
        <h3 id="branches-heading" className="mb-2 font-semibold">
          Branches <span className="text-sm font-normal text-gray-500">({branches.length})</span>
        </h3>
        {branches.length === 0 ?
          <EmptyState title="This repository is empty">
            Push a first commit: <code>git push {cloneUrl} HEAD:refs/heads/feature/first</code>
          </EmptyState>
        : <Table label="Branches">
            <thead>
              <tr>
                <th className={th}>Branch</th>
                <th className={th}>Environment</th>
                <th className={th}>Last commit</th>
                <th className={th}>Updated</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {branches.map((b) => (
                <tr key={b.name}>
                  <td className={td}>
                    <span className="font-mono">{b.name}</span> {b.name === repo.defaultBranch && <Badge>default</Badge>}
                  </td>
                  <td className={td}>
                    <EnvironmentBadge environment={b.environment} />
                  </td>
                  <td className={td}>
                    <span className="font-mono text-xs text-gray-500">{b.sha.slice(0, 8)}</span> {b.subject}
                  </td>
                  <td className={td}>{formatDate(b.date)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        }
      </section>

      {tags.length > 0 && (
        <section aria-labelledby="tags-heading">
          <h3 id="tags-heading" className="mb-2 font-semibold">
            Tags
          </h3>
          <ul className="flex flex-wrap gap-2">
            {tags.map((t) => (
              <li key={t.name}>
                <Badge tone="green">{t.name}</Badge>
              </li>
            ))}
          </ul>
        </section>
      )}

      {readme !== null && (
        <Card className="p-6">
          <h3 className="mb-3 border-b border-gray-200 pb-2 text-sm font-semibold text-gray-600 dark:border-gray-700 dark:text-gray-400">
            README.md <span className="font-normal">on {ref}</span>
          </h3>
          <Markdown source={readme} />
        </Card>
      )}
    </div>
  );
}
