import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { Badge, buttonClass, Card, EmptyState } from "@/components/ui";
import { CopyButton } from "@/components/git/copy-button";

export const metadata = { title: "Repositories" };

export default async function RepositoriesPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { repos, canCreate } = await orNotFound((await api()).repos.list({ slug }));
  return (
    <>
      <div className="mb-4 flex items-center justify-between gap-3">
        <h2 className="text-lg font-semibold">Repositories</h2>
        {canCreate && (
          <div className="flex gap-2">
            <Link href={`/orgs/${slug}/repos/new-mirror`} className={buttonClass.secondary}>
              Mirror a repository
            </Link>
            <Link href={`/orgs/${slug}/repos/new`} className={buttonClass.primary}>
              New repository
            </Link>
          </div>
        )}
      </div>
      {repos.length === 0 ?
        <EmptyState title="No repositories yet">Repositories of this organization will be listed here.</EmptyState>
      : <ul aria-label="Repositories" className="space-y-2">
          {repos.map((r) => (
            <li key={r.id}>
              <Card className="flex flex-wrap items-center justify-between gap-3 p-4">
                <div className="min-w-0">
                  <Link href={`/orgs/${slug}/repos/${r.name}`} className="font-semibold text-brand-700 hover:underline dark:text-brand-100">
                    {r.name}
                  </Link>{" "}
                  {r.kind === "module-mirror" && <Badge>mirror of {r.upstream}</Badge>}
                  {r.archivedAt && <Badge tone="amber">Archived</Badge>}
                  {r.description && <p className="mt-1 text-sm text-gray-600 dark:text-gray-400">{r.description}</p>}
                </div>
                <div className="flex items-center gap-2">
                  <code className="hidden rounded bg-gray-100 px-2 py-1 text-xs md:inline dark:bg-gray-900">{r.cloneUrl}</code>
                  <CopyButton value={r.cloneUrl} label="Copy clone URL" />
                </div>
              </Card>
            </li>
          ))}
        </ul>
      }
    </>
  );
}
