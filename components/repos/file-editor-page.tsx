import Link from "next/link";
import { notFound } from "next/navigation";
import { api } from "@/server/api/server";
import { decodeUrlSegments } from "@/server/git/plumbing/browse";
import { Alert } from "@/components/ui";
import { FileEditor } from "@/components/repos/file-editor";
import { encodeSegments, loadOr404 } from "@/components/repos/load";

/**
 * The browser editor page: /edit/<branch>/<path> edits a file, /new/<branch>[/<directory>]
 * adds one (on the branch or a feature branch made from it).
 */
export async function FileEditorPage({ slug, name, rest, mode }: { slug: string; name: string; rest: string[]; mode: "edit" | "new" }) {
  // Catch-all params arrive percent-encoded: decode once (traversal refused).
  const segments = decodeUrlSegments(rest) ?? notFound();
  const data = await loadOr404((await api()).repoAdmin.editor({ slug, name, segments, mode }));
  const base = `/orgs/${slug}/repos/${encodeURIComponent(name)}`;
  return (
    <div className="space-y-4">
      <h2 className="text-xl font-semibold">
        <Link href={base} className="hover:underline">
          {name}
        </Link>{" "}
        <span className="font-normal text-gray-500">· {mode === "edit" ? "Edit file" : "New file"}</span>
      </h2>
      {data.kind === "unsupported" ?
        <Alert tone="info">{data.reason}.</Alert>
      : <>
          {mode === "edit" ?
            <p className="text-sm text-gray-600 dark:text-gray-400">
              Editing{" "}
              <Link
                href={`${base}/blob/${encodeSegments(data.branch)}/${encodeSegments(data.path)}`}
                className="font-mono text-brand-700 hover:underline dark:text-brand-100"
              >
                {data.path}
              </Link>{" "}
              on <span className="font-mono">{data.branch}</span> (at {data.headSha.slice(0, 8)}).
              {(data.path.startsWith("hieradata/") || data.path === "Puppetfile" || data.path === "hiera.yaml") &&
                " It is checked before it is committed: YAML must parse, and a Puppetfile must be valid r10k syntax."}
            </p>
          : <p className="text-sm text-gray-600 dark:text-gray-400">
              Adding a file on <span className="font-mono">{data.branch}</span>. Files under <code>hieradata/</code> must be valid YAML.
            </p>
          }
          <FileEditor
            slug={slug}
            name={name}
            mode={mode}
            branch={data.branch}
            path={data.path}
            headSha={data.headSha}
            content={mode === "edit" ? data.content : ""}
            canCommitHere={data.canCommitHere}
            whyNotHere={data.whyNotHere}
            featureBranches={data.featureBranches}
            signoffSuggested={data.signoffSuggested}
            signoffAs={data.signoffAs}
          />
        </>
      }
    </div>
  );
}
