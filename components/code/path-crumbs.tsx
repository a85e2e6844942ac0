import Link from "next/link";
import { treeUrl } from "./urls";

/** repo / dir / dir / file — every part but the last links to its tree. */
export function PathCrumbs({ slug, repo, refName, path }: { slug: string; repo: string; refName: string; path: string }) {
  const parts = path ? path.split("/") : [];
  return (
    <nav aria-label="File path" className="min-w-0 text-sm">
      <ol className="flex flex-wrap items-center gap-1 font-mono">
        <li>
          <Link href={treeUrl(slug, repo, refName)} className="text-brand-600 hover:underline">
            {repo}
          </Link>
        </li>
        {parts.map((p, i) => (
          <li key={i} className="flex items-center gap-1">
            <span aria-hidden className="text-gray-400">
              /
            </span>
            {i < parts.length - 1 ?
              <Link href={treeUrl(slug, repo, refName, parts.slice(0, i + 1).join("/"))} className="text-brand-600 hover:underline">
                {p}
              </Link>
            : <span aria-current="page" className="font-semibold">
                {p}
              </span>
            }
          </li>
        ))}
      </ol>
    </nav>
  );
}
