"use client";

import { useRouter } from "next/navigation";
import { trpc } from "@/components/trpc";
import { Button } from "@/components/ui";

export function RetryJobButton({ id, queue }: { id: string; queue: string }) {
  const router = useRouter();
  const retry = trpc.jobs.retry.useMutation({ onSuccess: () => router.refresh() });
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <Button variant="secondary" disabled={retry.isPending || retry.isSuccess} aria-label={`Retry ${queue} job ${id}`} onClick={() => retry.mutate({ id })}>
        {retry.isSuccess ? "Queued" : "Retry"}
      </Button>
      {retry.error && (
        <span role="alert" className="text-xs text-red-600 dark:text-red-400">
          {retry.error.message}
        </span>
      )}
    </span>
  );
}
