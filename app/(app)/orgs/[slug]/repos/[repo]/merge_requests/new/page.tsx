import { api } from "@/server/api/server";
import { EmptyState } from "@/components/ui";
import { load } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { NewMergeRequestForm } from "@/components/mergerequests/new-form";

export const metadata = { title: "New merge request" };

type Props = { params: Promise<{ slug: string; repo: string }>; searchParams: Promise<{ source?: string | string[]; target?: string | string[] }> };

export default async function NewMergeRequestPage({ params, searchParams }: Props) {
  const { slug, repo: name } = await params;
  const sp = await searchParams;
  const caller = await api();
  const [{ repo }, form] = await Promise.all([load(caller.code.refs({ slug, name })), load(caller.mergeRequests.form({ slug, name }))]);
  const source =
    typeof sp.source === "string" && form.branches.includes(sp.source) ?
      sp.source
    : (form.branches.find((b) => b !== form.defaultTarget && !["develop", "master"].includes(b)) ?? "");
  const target = typeof sp.target === "string" && form.branches.includes(sp.target) ? sp.target : form.defaultTarget;
  return (
    <div>
      <RepoNav repo={repo} active="merge_requests" />
      <h3 className="mb-3 text-lg font-semibold">New merge request</h3>
      {form.branches.length < 2 ?
        <EmptyState title="Nothing to merge yet">Push a branch with your changes first.</EmptyState>
      : <NewMergeRequestForm slug={slug} name={name} branches={form.branches} reviewers={form.reviewers} source={source} target={target} />}
    </div>
  );
}
