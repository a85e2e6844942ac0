"use client";

import { useRouter } from "next/navigation";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button } from "@/components/ui";

export function JobActions({ id, status, canManage }: { id: string; status: string; canManage: boolean }) {
  const router = useRouter();
  const done = { onSuccess: () => router.refresh() };
  const cancel = trpc.runners.cancelJob.useMutation(done);
  const retry = trpc.runners.retryJob.useMutation(done);
  if (!canManage) return null;
  const error = cancel.error ?? retry.error;
  return (
    <div className="flex items-center gap-2">
      {["created", "queued", "running"].includes(status) && (
        <Button type="button" variant="danger" disabled={cancel.isPending || cancel.isSuccess} onClick={() => cancel.mutate({ id })}>
          {cancel.isSuccess ? "Canceling…" : "Cancel"}
        </Button>
      )}
      {["failed", "canceled"].includes(status) && (
        <Button type="button" disabled={retry.isPending} onClick={() => retry.mutate({ id })}>
          Retry
        </Button>
      )}
      {error && <Alert>{formError(error)}</Alert>}
    </div>
  );
}

export function CancelPipeline({ id }: { id: string }) {
  const router = useRouter();
  const cancel = trpc.runners.cancelPipeline.useMutation({ onSuccess: () => router.refresh() });
  return (
    <Button type="button" variant="danger" disabled={cancel.isPending} onClick={() => cancel.mutate({ id })}>
      Cancel pipeline
    </Button>
  );
}

/** Reloads the server-rendered page every few seconds while something is still running. */
export { AutoRefresh } from "./auto-refresh";
