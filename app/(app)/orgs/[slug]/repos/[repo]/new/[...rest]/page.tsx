import Link from "next/link";
import { notFound } from "next/navigation";
import { api } from "@/server/api/server";
import { decodeUrlSegments } from "@/server/git/browse";
import { Alert } from "@/components/ui";
import { FileEditor } from "@/components/repos/file-editor";
import { loadOr404 } from "@/components/repos/load";

type Props = { params: Promise<{ slug: string; repo: string; rest: string[] }> };

export async function generateMetadata({ params }: Props) {
  const { repo } = await params;
  return { title: `New file · ${repo}` };
}

/** /new/<branch>[/<directory>]: add a file on a branch (or a feature branch made from it). */
export default async function NewFilePage({ params }: Props) {
  const { slug, repo: name, rest } = await params;
  // Catch-all params arrive percent-encoded: decode once (traversal refused).
  const segments = decodeUrlSegments(rest) ?? notFound();
  const data = await loadOr404((await api()).repoAdmin.editor({ slug, name, segments, mode: "new" }));
  const base = `/orgs/${slug}/repos/${encodeURIComponent(name)}`;
  return (
    <div className="space-y-4">
      <h2 className="text-xl font-semibold">
        <Link href={base} className="hover:underline">
          {name}
        </Link>{" "}
        <span className="font-normal text-gray-500">· New file</span>
      </h2>
      {data.kind === "unsupported" ? (
        <Alert tone="info">{data.reason}.</Alert>
      ) : (
        <>
          <p className="text-sm text-gray-600 dark:text-gray-400">
            Adding a file on <span className="font-mono">{data.branch}</span>. Files under <code>hieradata/</code> must be valid YAML.
          </p>
          <FileEditor
            slug={slug}
            name={name}
            mode="new"
            branch={data.branch}
            path={data.path}
            headSha={data.headSha}
            content=""
            canCommitHere={data.canCommitHere}
            whyNotHere={data.whyNotHere}
            featureBranches={data.featureBranches}
          />
        </>
      )}
    </div>
  );
}
