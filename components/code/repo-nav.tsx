import Link from "next/link";
import { Badge, cx } from "@/components/ui";
import { commitsUrl, repoUrl, treeUrl } from "./urls";

export type RepoInfo = {
  name: string;
  orgSlug: string;
  kind: string;
  upstream: string | null;
  defaultBranch: string;
  defaultRef: string | null;
};

export type RepoTab = "overview" | "files" | "commits" | "branches" | "tags" | "compare" | "merge_requests" | "releases";

/** The repository's tabs, on every repository page; `heading` adds the repo name above them. */
export function RepoNav({ repo, active, heading = true, at }: { repo: RepoInfo; active: RepoTab; heading?: boolean; at?: string }) {
  const base = repoUrl(repo.orgSlug, repo.name);
  const ref = at ?? repo.defaultRef;
  const tabs: { id: RepoTab; label: string; href: string }[] = [
    { id: "overview", label: "Overview", href: base },
    { id: "files", label: "Files", href: ref ? treeUrl(repo.orgSlug, repo.name, ref) : base },
    { id: "commits", label: "Commits", href: ref ? commitsUrl(repo.orgSlug, repo.name, ref) : base },
    { id: "branches", label: "Branches", href: `${base}/branches` },
    { id: "tags", label: "Tags", href: `${base}/tags` },
    { id: "compare", label: "Compare", href: `${base}/compare` },
    { id: "merge_requests", label: "Merge requests", href: `${base}/merge_requests` },
    { id: "releases", label: "Releases", href: `${base}/releases` },
  ];
  return (
    <div className="mb-4">
      {heading && (
        <h2 className="mb-2 text-xl font-semibold">
          <Link href={base} className="hover:underline">
            {repo.name}
          </Link>{" "}
          {repo.kind !== "standard" && repo.upstream && <Badge>read-only mirror of {repo.upstream}</Badge>}
        </h2>
      )}
      <nav aria-label="Repository" className="border-b border-gray-200 dark:border-gray-700">
        <ul className="-mb-px flex flex-wrap gap-1 text-sm">
          {tabs.map((t) => (
            <li key={t.id}>
              <Link
                href={t.href}
                aria-current={t.id === active ? "page" : undefined}
                className={cx(
                  "inline-block border-b-2 px-3 py-2",
                  t.id === active
                    ? "border-brand-600 font-medium text-gray-900 dark:text-gray-50"
                    : "border-transparent text-gray-600 hover:border-gray-300 hover:text-gray-900 dark:text-gray-400 dark:hover:text-gray-100",
                )}
              >
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
    </div>
  );
}
