import Link from "next/link";
import { redirect } from "next/navigation";
import { api } from "@/server/api/server";
import { decodeUrlSegments } from "@/server/git/plumbing/browse";
import { Alert, Card, EmptyState } from "@/components/ui";
import { Markdown } from "@/components/markdown";
import { EntryIcon } from "@/components/code/icons";
import { load, rawNameParam, segmentsParam } from "@/components/code/load";
import { formatBytes } from "@/components/ui";
import { PathCrumbs } from "@/components/code/path-crumbs";
import { RefPicker } from "@/components/code/ref-picker";
import { LastCommitCard } from "@/components/code/last-commit";
import { RepoNav } from "@/components/code/repo-nav";
import { NewFileLink } from "@/components/repos/edit-links";
import { blobUrl, commitsUrl, treeUrl, withRawName } from "@/components/code/urls";

type Props = { params: Promise<{ slug: string; repo: string; path: string[] }>; searchParams: Promise<{ name?: string | string[] }> };

export async function generateMetadata({ params }: Props) {
  const { repo, path } = await params;
  return { title: `${(decodeUrlSegments(path) ?? []).join("/")} · ${repo}` };
}

export default async function TreePage({ params, searchParams }: Props) {
  const { slug, repo: name, path: rawSegments } = await params;
  const segments = segmentsParam(rawSegments);
  const nameHex = rawNameParam((await searchParams).name);
  const data = await load((await api()).code.tree({ slug, name, segments, nameHex }));
  if (data.kind === "blob")
    redirect(nameHex ? withRawName(blobUrl(slug, name, data.ref.name, data.urlPath), nameHex) : blobUrl(slug, name, data.ref.name, data.path));
  const { repo, ref, path, entries, truncated, lastCommit, readme, refs } = data;
  const here = (p: string) => treeUrl(slug, name, ref.name, p);
  const child = (entryName: string) => (path ? `${path}/${entryName}` : entryName);
  const parent = path.split("/").slice(0, -1).join("/");

  return (
    <div>
      <RepoNav repo={repo} active="files" at={ref.name} />
      <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
        <div className="flex min-w-0 flex-wrap items-center gap-3">
          <RefPicker current={ref} branches={refs.branches} tags={refs.tags} hrefFor={(r) => treeUrl(slug, name, r, data.linkable ? path : "")} />
          <PathCrumbs slug={slug} repo={name} refName={ref.name} path={path} />
        </div>
        <div className="flex items-center gap-3">
          {data.linkable && (
            <Link href={commitsUrl(slug, name, ref.name, { path })} className="text-sm text-brand-600 hover:underline">
              History
            </Link>
          )}
          {data.linkable && ref.kind === "branch" && <NewFileLink slug={slug} name={name} branch={ref.name} dir={path} />}
        </div>
      </div>

      {lastCommit && <LastCommitCard slug={slug} repo={name} commit={lastCommit} />}

      {entries.length === 0 ?
        <EmptyState title="This directory is empty" />
      : <div className="overflow-x-auto rounded-lg border border-gray-200 dark:border-gray-700">
          <table aria-label="Files" className="min-w-full divide-y divide-gray-200 text-sm dark:divide-gray-700">
            <thead className="sr-only">
              <tr>
                <th>Name</th>
                <th>Size</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 bg-white dark:divide-gray-700 dark:bg-gray-800">
              {path && (
                <tr>
                  <td className="px-3 py-1.5" colSpan={2}>
                    <Link href={here(parent)} className="font-mono text-brand-600 hover:underline" aria-label="Parent directory">
                      ..
                    </Link>
                  </td>
                </tr>
              )}
              {entries.map((e) => {
                const href =
                  !data.linkable ? null
                  : e.nameHex ? withRawName(e.kind === "tree" ? here(path) : blobUrl(slug, name, ref.name, path), e.nameHex)
                  : e.kind === "tree" ? here(child(e.name))
                  : e.kind === "submodule" ? null
                  : blobUrl(slug, name, ref.name, child(e.name));
                return (
                  <tr key={e.name + e.oid}>
                    <td className="px-3 py-1.5">
                      <EntryIcon kind={e.kind} />
                      {href ?
                        <Link href={href} className="font-mono text-gray-900 hover:text-brand-600 hover:underline dark:text-gray-100">
                          {e.name}
                        </Link>
                      : <span className="font-mono">{e.name}</span>}
                      {e.kind === "submodule" && <span className="ml-2 font-mono text-xs text-gray-500">@ {e.oid.slice(0, 8)}</span>}
                    </td>
                    <td className="px-3 py-1.5 text-right text-xs text-gray-500">{e.size !== null ? formatBytes(e.size) : ""}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      }
      {truncated && (
        <div className="mt-2">
          <Alert tone="warning">This directory has too many entries to list them all; clone the repository to see everything.</Alert>
        </div>
      )}

      {readme && (
        <Card className="mt-6 p-6">
          <h3 className="mb-3 border-b border-gray-200 pb-2 text-sm font-semibold text-gray-600 dark:border-gray-700 dark:text-gray-400">{readme.name}</h3>
          {readme.markdown ?
            <Markdown source={readme.text} />
          : <pre className="overflow-x-auto text-sm">{readme.text}</pre>}
        </Card>
      )}
    </div>
  );
}
