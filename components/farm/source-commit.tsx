import Link from "next/link";
import type { ReactNode } from "react";

/** A pinned commit of infrastructure/<repo>, linked; older builds named a branch instead. `empty` stands in when there is none. */
export function SourceCommit({ repo, label, commit, empty = null }: { repo: string; label: string; commit: string | null; empty?: ReactNode }) {
  if (!commit) return empty;
  const pinned = /^[0-9a-f]{40}$/.test(commit);
  return (
    <span>
      {label}{" "}
      <Link
        className="font-mono text-brand-600 hover:underline"
        href={`/orgs/infrastructure/repos/${repo}/${pinned ? "commit" : "tree"}/${encodeURIComponent(commit)}`}
        title={commit}
      >
        {pinned ? commit.slice(0, 10) : commit}
      </Link>
    </span>
  );
}
