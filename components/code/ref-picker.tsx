import Link from "next/link";
import { cx } from "@/components/ui";

type Ref = { name: string; kind: "branch" | "tag" | "commit"; commit: string };
const SHOWN = 100;

/**
 * "Switch branch/tag": a disclosure listing branches and tags as links to the same view
 * at that ref (no client JS). `hrefFor` builds the link for a ref name.
 */
export function RefPicker({
  current,
  branches,
  tags,
  hrefFor,
}: {
  current: Ref;
  branches: { name: string }[];
  tags: { name: string }[];
  hrefFor: (ref: string) => string;
}) {
  const label = current.kind === "commit" ? current.commit.slice(0, 8) : current.name;
  const item = (name: string, active: boolean) => (
    <li key={name}>
      <Link
        href={hrefFor(name)}
        aria-current={active ? "true" : undefined}
        className={cx(
          "block truncate rounded px-2 py-1 font-mono text-xs hover:bg-gray-100 dark:hover:bg-gray-700",
          active && "font-semibold text-brand-700 dark:text-brand-100",
        )}
      >
        {name}
      </Link>
    </li>
  );
  return (
    <details className="relative">
      <summary
        aria-label={`Switch branch or tag (current: ${label})`}
        className="inline-flex cursor-pointer list-none items-center gap-1 rounded-md border border-gray-300 bg-white px-2 py-1 text-sm dark:border-gray-600 dark:bg-gray-800"
      >
        <span className="text-gray-500">
          {current.kind === "tag" ?
            "Tag"
          : current.kind === "commit" ?
            "Commit"
          : "Branch"}
          :
        </span>
        <span className="font-mono">{label}</span>
        <span aria-hidden>▾</span>
      </summary>
      <div className="absolute z-20 mt-1 max-h-96 w-72 overflow-y-auto rounded-md border border-gray-200 bg-white p-2 shadow-lg dark:border-gray-700 dark:bg-gray-800">
        <p className="px-2 text-xs font-semibold uppercase text-gray-500">Branches</p>
        <ul aria-label="Branches">{branches.slice(0, SHOWN).map((b) => item(b.name, current.kind === "branch" && b.name === current.name))}</ul>
        {branches.length > SHOWN && <p className="px-2 text-xs text-gray-500">…and {branches.length - SHOWN} more on the Branches page</p>}
        {tags.length > 0 && (
          <>
            <p className="mt-2 px-2 text-xs font-semibold uppercase text-gray-500">Tags</p>
            <ul aria-label="Tags">{tags.slice(0, SHOWN).map((t) => item(t.name, current.kind === "tag" && t.name === current.name))}</ul>
            {tags.length > SHOWN && <p className="px-2 text-xs text-gray-500">…and {tags.length - SHOWN} more on the Tags page</p>}
          </>
        )}
      </div>
    </details>
  );
}
