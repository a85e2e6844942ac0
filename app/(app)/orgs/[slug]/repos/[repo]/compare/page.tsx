import { redirect } from "next/navigation";
import { api } from "@/server/api/server";
import { EmptyState } from "@/components/ui";
import { CompareForm } from "@/components/code/compare-form";
import { load } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { compareUrl, repoUrl } from "@/components/code/urls";

export const metadata = { title: "Compare" };

type Props = { params: Promise<{ slug: string; repo: string }>; searchParams: Promise<{ base?: string | string[]; head?: string | string[] }> };

export default async function ComparePickPage({ params, searchParams }: Props) {
  const { slug, repo: name } = await params;
  const { base, head } = await searchParams;
  if (typeof base === "string" && typeof head === "string" && base && head) redirect(compareUrl(slug, name, base, head));
  const { repo, branches, tags } = await load((await api()).code.refs({ slug, name }));
  const defaultHead = branches.find((b) => b.name !== "develop" && b.name !== repo.defaultRef)?.name ?? repo.defaultRef ?? undefined;
  return (
    <div>
      <RepoNav repo={repo} active="compare" />
      {branches.length === 0 ?
        <EmptyState title="Nothing to compare yet">Push some branches first.</EmptyState>
      : <>
          <p className="mb-3 text-sm text-gray-600 dark:text-gray-400">
            Choose two branches or tags to see the commits and changes in head that base does not have.
          </p>
          <CompareForm
            action={`${repoUrl(slug, name)}/compare`}
            branches={branches}
            tags={tags}
            base={branches.some((b) => b.name === "develop") ? "develop" : (repo.defaultRef ?? undefined)}
            head={defaultHead}
          />
        </>
      }
    </div>
  );
}
