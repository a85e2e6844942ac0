import Link from "next/link";
import { redirect } from "next/navigation";
import { api } from "@/server/api/server";
import { decodeUrlSegments } from "@/server/git/plumbing/browse";
import { highlight } from "@/server/code/highlight";
import { Alert, buttonClass, Card } from "@/components/ui";
import { CodeView } from "@/components/code/code-view";
import { load, rawNameParam, segmentsParam } from "@/components/code/load";
import { formatBytes } from "@/components/ui";
import { PathCrumbs } from "@/components/code/path-crumbs";
import { RefPicker } from "@/components/code/ref-picker";
import { LastCommitCard } from "@/components/code/last-commit";
import { RepoNav } from "@/components/code/repo-nav";
import { EditFileLink } from "@/components/repos/edit-links";
import { blobUrl, commitsUrl, rawUrl, treeUrl, withRawName } from "@/components/code/urls";

type Props = { params: Promise<{ slug: string; repo: string; path: string[] }>; searchParams: Promise<{ name?: string | string[] }> };

export async function generateMetadata({ params }: Props) {
  const { repo, path } = await params;
  return { title: `${decodeUrlSegments(path)?.at(-1) ?? "File"} · ${repo}` };
}

export default async function BlobPage({ params, searchParams }: Props) {
  const { slug, repo: name, path: rawSegments } = await params;
  const segments = segmentsParam(rawSegments);
  const nameHex = rawNameParam((await searchParams).name);
  const data = await load((await api()).code.blob({ slug, name, segments, nameHex }));
  if (data.kind === "tree")
    redirect(nameHex ? withRawName(treeUrl(slug, name, data.ref.name, data.urlPath), nameHex) : treeUrl(slug, name, data.ref.name, data.path));
  const { repo, ref, path, refs, size, binary, tooLarge, text, lastCommit } = data;
  const raw = nameHex ? withRawName(rawUrl(slug, name, ref.name, data.urlPath), nameHex) : rawUrl(slug, name, ref.name, path);
  const highlighted = text !== null ? await highlight(text, path) : null;
  const lineCount =
    text === null ? null
    : text.length === 0 ? 0
    : text.replace(/\n$/, "").split("\n").length;

  return (
    <div>
      <RepoNav repo={repo} active="files" at={ref.name} />
      <div className="mb-3 flex flex-wrap items-center gap-3">
        <RefPicker
          current={ref}
          branches={refs.branches}
          tags={refs.tags}
          hrefFor={(r) => (data.linkable ? blobUrl(slug, name, r, path) : treeUrl(slug, name, r))}
        />
        <PathCrumbs slug={slug} repo={name} refName={ref.name} path={path} />
      </div>

      {lastCommit && <LastCommitCard slug={slug} repo={name} commit={lastCommit} />}

      <Card>
        <div className="flex flex-wrap items-center justify-between gap-3 border-b border-gray-200 bg-gray-50 px-4 py-2 dark:border-gray-700 dark:bg-gray-900">
          <p className="text-sm">
            <span className="font-mono font-semibold">{path.split("/").pop()}</span>{" "}
            <span className="text-gray-500">
              {lineCount !== null && `${lineCount} ${lineCount === 1 ? "line" : "lines"} · `}
              {formatBytes(size)}
            </span>
          </p>
          <div className="flex gap-2">
            {data.linkable && (
              <Link href={commitsUrl(slug, name, ref.name, { path })} className={buttonClass.secondary}>
                History
              </Link>
            )}
            <a href={raw} className={buttonClass.secondary}>
              Raw
            </a>
            {data.linkable && ref.kind === "branch" && !binary && !tooLarge && <EditFileLink slug={slug} name={name} branch={ref.name} path={path} />}
          </div>
        </div>
        {binary ?
          <p className="px-4 py-6 text-sm">
            Binary file ({size.toLocaleString("en")} bytes) —{" "}
            <a href={raw} className="text-brand-600 hover:underline">
              download
            </a>
          </p>
        : tooLarge ?
          <div className="p-4">
            <Alert tone="info">
              This file is too large to display ({formatBytes(size)}).{" "}
              <a href={raw} className="underline">
                View it raw
              </a>
              .
            </Alert>
          </div>
        : text === "" ?
          <p className="px-4 py-6 text-sm text-gray-500">This file is empty.</p>
        : <CodeView text={text ?? ""} highlighted={highlighted} />}
      </Card>
    </div>
  );
}
