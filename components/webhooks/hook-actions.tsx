"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button } from "@/components/ui";
import { hooksPath, type HookTarget } from "./paths";

/** "Test" sends a push-shaped sample now and says what the endpoint answered. */
export function TestHookButton({ target, id }: { target: HookTarget; id: string }) {
  const router = useRouter();
  const test = trpc.webhooks.test.useMutation({ onSuccess: () => router.refresh() });
  const r = test.data;
  return (
    <div className="flex flex-col items-end gap-2">
      <Button variant="secondary" disabled={test.isPending} onClick={() => test.mutate({ ...target, id })}>
        {test.isPending ? "Sending…" : "Test"}
      </Button>
      {r && (
        <Alert tone={r.ok ? "success" : "error"}>
          {r.ok ? "Test delivered" : "Test failed"}: {r.responseStatus !== null ? `HTTP ${r.responseStatus}` : r.error} in {r.durationMs} ms
        </Alert>
      )}
      {formError(test.error) && <Alert>{formError(test.error)}</Alert>}
    </div>
  );
}

export function DeleteHookButton({ target, id }: { target: HookTarget; id: string }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const del = trpc.webhooks.delete.useMutation({ onSuccess: () => router.push(hooksPath(target)) });
  return confirming ?
      <div className="flex items-center gap-2">
        <span className="text-sm">Delete this webhook and its delivery log?</span>
        <Button variant="danger" disabled={del.isPending} onClick={() => del.mutate({ ...target, id })}>
          Yes, delete
        </Button>
        <Button variant="secondary" onClick={() => setConfirming(false)}>
          Cancel
        </Button>
        {formError(del.error) && <Alert>{formError(del.error)}</Alert>}
      </div>
    : <Button variant="danger" onClick={() => setConfirming(true)}>
        Delete
      </Button>;
}

export function RedeliverButton({ target, id, deliveryId }: { target: HookTarget; id: string; deliveryId: string }) {
  const router = useRouter();
  const again = trpc.webhooks.redeliver.useMutation({ onSuccess: () => router.refresh() });
  return (
    <div className="flex items-center gap-2">
      <Button variant="secondary" disabled={again.isPending || again.isSuccess} onClick={() => again.mutate({ ...target, id, deliveryId })}>
        {again.isSuccess ? "Queued" : "Redeliver"}
      </Button>
      {formError(again.error) && <Alert>{formError(again.error)}</Alert>}
    </div>
  );
}

/** Refreshes the page every 1.5 s while some delivery is still pending (queued or retrying). */
export function RefreshWhilePending({ pending }: { pending: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => router.refresh(), 1500);
    return () => clearInterval(t);
  }, [pending, router]);
  return pending ?
      <p role="status" className="text-sm text-gray-600 dark:text-gray-400">
        Deliveries in progress…
      </p>
    : null;
}
