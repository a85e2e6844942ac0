import Link from "next/link";
import { load, pageParam } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { archiveUrl, commitUrl, compareUrl, mrUrl } from "@/components/code/urls";
import { Markdown } from "@/components/markdown";
import { MergeabilityBadge } from "@/components/mergerequests/badges";
import { PageNumberPager } from "@/components/pager";
import { NewRelease } from "@/components/releases/new-release";
import { Badge, Card, EmptyState, formatDate } from "@/components/ui";
import { api } from "@/server/api/server";

export const metadata = { title: "Releases" };

type Props = { params: Promise<{ slug: string; repo: string }>; searchParams: Promise<{ page?: string | string[]; bump?: string | string[] }> };

export default async function ReleasesPage({ params, searchParams }: Props) {
  const { slug, repo: name } = await params;
  const query = await searchParams;
  const page = pageParam(query.page);
  const preselect = query.bump === "minor" || query.bump === "patch" ? query.bump : undefined;
  const caller = await api();
  const [{ repo }, data] = await Promise.all([load(caller.code.refs({ slug, name })), load(caller.releases.overview({ slug, name, page }))]);
  const { production, staging, development } = data.environments;
  const short = (sha: string) => sha.slice(0, 8);
  return (
    <div>
      <RepoNav repo={repo} active="releases" />
      <section aria-label="Environments" className="mb-6 grid gap-3 md:grid-cols-3">
        <Card className="p-4">
          <h3 className="text-xs font-semibold uppercase tracking-wide text-gray-500">Production · master</h3>
          {production ?
            <p className="mt-1">
              <span className="text-lg font-semibold">{production.version ?? "unreleased"}</span>{" "}
              <Link href={commitUrl(slug, name, production.sha)} className="font-mono text-xs text-gray-500 hover:underline">
                {short(production.sha)}
              </Link>
            </p>
          : <p className="mt-1 text-sm text-gray-500">No master branch</p>}
        </Card>
        <Card className="p-4">
          <h3 className="text-xs font-semibold uppercase tracking-wide text-gray-500">Staging · release/hotfix</h3>
          {staging.length === 0 ?
            <p className="mt-1 text-sm text-gray-500">Nothing in staging</p>
          : <ul className="mt-1 space-y-1 text-sm">
              {staging.map((s) => (
                <li key={s.branch} className="flex flex-wrap items-center gap-2">
                  <span className="font-mono">{s.branch}</span>
                  {s.mergeRequest ?
                    <>
                      <Link href={mrUrl(slug, name, s.mergeRequest.number)} className="text-brand-700 hover:underline dark:text-brand-400">
                        !{s.mergeRequest.number}
                      </Link>
                      <MergeabilityBadge value={s.mergeRequest.mergeability} />
                    </>
                  : <Badge tone="amber">no merge request</Badge>}
                </li>
              ))}
            </ul>
          }
        </Card>
        <Card className="p-4">
          <h3 className="text-xs font-semibold uppercase tracking-wide text-gray-500">Development · develop</h3>
          {development ?
            <p className="mt-1 text-sm">
              <Link href={commitUrl(slug, name, development.sha)} className="font-mono text-xs text-gray-500 hover:underline">
                {short(development.sha)}
              </Link>{" "}
              {development.aheadOfMaster === null ?
                null
              : development.aheadOfMaster === 0 ?
                "same as master"
              : <Link href={compareUrl(slug, name, "master", "develop")} className="hover:underline">
                  {development.aheadOfMaster} commit{development.aheadOfMaster === 1 ? "" : "s"} ahead of master
                </Link>
              }
            </p>
          : <p className="mt-1 text-sm text-gray-500">No develop branch</p>}
        </Card>
      </section>

      <div className="mb-3 flex flex-wrap items-start justify-between gap-3">
        <h2 className="text-lg font-semibold">Releases</h2>
        {data.canStart && (
          <div className="flex flex-wrap gap-2">
            <NewRelease slug={slug} name={name} plan={data.plans.release} preselect={preselect} />
            <NewRelease slug={slug} name={name} plan={data.plans.hotfix} />
          </div>
        )}
      </div>
      {data.releases.items.length === 0 ?
        <EmptyState title="No releases yet">
          {data.canStart ? "“New release” starts one from develop; merging its merge request publishes it here." : "Org leaders bake releases from develop."}
        </EmptyState>
      : <ul aria-label="Published releases" className="space-y-3">
          {data.releases.items.map(({ release, publishedBy, mrNumber }) => (
            <li key={release.id}>
              <Card className="p-4">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <h3 className="text-lg font-semibold">
                    {release.version} {release.kind === "hotfix" && <Badge tone="amber">hotfix</Badge>}
                  </h3>
                  <a href={archiveUrl(slug, name, release.version)} className="text-sm text-brand-700 hover:underline dark:text-brand-400" download>
                    Download {name}-{release.version}.tar.gz
                  </a>
                </div>
                <p className="text-xs text-gray-500">
                  published {formatDate(release.publishedAt)} by {publishedBy ?? "a deleted user"} ·{" "}
                  <Link href={commitUrl(slug, name, release.commitSha)} className="font-mono hover:underline">
                    {short(release.commitSha)}
                  </Link>
                  {mrNumber && (
                    <>
                      {" "}
                      ·{" "}
                      <Link href={mrUrl(slug, name, mrNumber)} className="hover:underline">
                        !{mrNumber}
                      </Link>
                    </>
                  )}
                </p>
                <div className="prose prose-sm mt-2 max-w-none dark:prose-invert">
                  <Markdown source={release.notes.replace(/^## [^\n]*\n+/, "")} />
                </div>
              </Card>
            </li>
          ))}
        </ul>
      }
      <PageNumberPager page={data.releases.page} hasMore={data.releases.hasMore} href={(p) => `?page=${p}`} />
    </div>
  );
}
