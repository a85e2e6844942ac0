import { EmptyState } from "@/components/ui";

export const metadata = { title: "Builds" };

export default function BuildsPage() {
  return (
    <>
      <h2 className="mb-4 text-lg font-semibold">Builds</h2>
      <EmptyState title="No builds yet">
        Build results for this organization's profiles will be listed here once the build farm runs its first pipeline.
      </EmptyState>
    </>
  );
}
