"use client";

import { useRouter } from "next/navigation";
import { trpc } from "@/components/trpc";
import { Button } from "@/components/ui";

export function ArchiveOrgButton({ slug, name, archived }: { slug: string; name: string; archived: boolean }) {
  const router = useRouter();
  const m = trpc.orgs.setArchived.useMutation({ onSuccess: () => router.refresh() });
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <Button
        variant="secondary"
        disabled={m.isPending}
        aria-label={`${archived ? "Unarchive" : "Archive"} ${name}`}
        onClick={() => m.mutate({ slug, archived: !archived })}
      >
        {archived ? "Unarchive" : "Archive"}
      </Button>
      {m.error && (
        <span role="alert" className="text-xs text-red-600 dark:text-red-400">
          {m.error.message}
        </span>
      )}
    </span>
  );
}
