import { notFound } from "next/navigation";
import { api, orNotFound } from "@/server/api/server";
import { NewRepoForm } from "@/components/repos/new-repo-form";

export const metadata = { title: "New repository" };

export default async function NewRepositoryPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { canCreate } = await orNotFound((await api()).repos.list({ slug }));
  if (!canCreate) notFound();
  return (
    <div className="space-y-4">
      <h2 className="text-lg font-semibold">New repository</h2>
      <p className="max-w-2xl text-sm text-gray-600 dark:text-gray-400">
        A git repository of this organization, cloned over HTTPS with your password or a personal access token. master, develop, release/* and hotfix/* are
        protected from the start: changes reach them through merge requests from feature branches.
      </p>
      <NewRepoForm slug={slug} />
    </div>
  );
}
