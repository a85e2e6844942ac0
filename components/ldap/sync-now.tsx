"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button } from "@/components/ui";

/** How long a queued sync may wait for a worker before we say so. */
const STALL_MS = 60_000;

/**
 * "Sync now" queues a sync; the page then refreshes every second until the run it
 * started has appeared and finished (`latest` comes from the server on each refresh).
 */
export function SyncNow({ configured, latest }: { configured: boolean; latest: { id: string; status: string } | null }) {
  const router = useRouter();
  const [queuedAfter, setQueuedAfter] = useState<string | null | undefined>(undefined);
  const [stalled, setStalled] = useState(false);
  const sync = trpc.ldap.syncNow.useMutation({
    onSuccess: () => {
      setQueuedAfter(latest?.id ?? null);
      setStalled(false);
      router.refresh();
    },
  });
  const running = latest?.status === "running";
  // Queued: no run newer than the one that was latest when the admin clicked.
  const waiting = queuedAfter !== undefined && (latest?.id ?? null) === queuedAfter;

  useEffect(() => {
    if (!running && !waiting) return;
    const poll = setInterval(() => router.refresh(), 1000);
    const stall = waiting ? setTimeout(() => setStalled(true), STALL_MS) : undefined;
    return () => {
      clearInterval(poll);
      clearTimeout(stall);
    };
  }, [running, waiting, router]);

  const error = formError(sync.error);
  return (
    <div className="flex flex-col items-end gap-2">
      <Button onClick={() => sync.mutate()} disabled={!configured || sync.isPending || running || waiting}>
        Sync now
      </Button>
      {(running || waiting) && (
        <p role="status" className="text-sm text-gray-600 dark:text-gray-400">
          {running ? "Sync running…" : "Sync queued, waiting for a worker…"}
        </p>
      )}
      {waiting && stalled && (
        <Alert tone="warning">
          No worker has picked the sync up yet. Check that the workers run (<code>npm run workers</code>) and look at{" "}
          <Link className="underline" href="/admin/jobs?queue=ldap-sync">
            Background jobs
          </Link>
          .
        </Alert>
      )}
      {error && <Alert>{error}</Alert>}
    </div>
  );
}
