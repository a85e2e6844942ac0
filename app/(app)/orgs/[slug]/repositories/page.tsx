import { EmptyState } from "@/components/ui";

export const metadata = { title: "Repositories" };

export default function RepositoriesPage() {
  return (
    <>
      <h2 className="mb-4 text-lg font-semibold">Repositories</h2>
      <EmptyState title="No repositories yet">Repositories arrive with git hosting: each organization gets its puppet, role and profile repositories here.</EmptyState>
    </>
  );
}
