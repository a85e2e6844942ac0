import Link from "next/link";
import { TabNav } from "@/components/tab-nav";
import { Badge } from "@/components/ui";
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
      <TabNav label="Repository" tabs={tabs} active={active} />
    </div>
  );
}
