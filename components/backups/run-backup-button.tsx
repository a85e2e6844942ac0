"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button } from "@/components/ui";

const STALL_MS = 60_000;

/** Queues a backup and refreshes the page until the run it started has finished. */
export function RunBackupButton({ latest }: { latest: { id: string; status: string } | null }) {
  const router = useRouter();
  const [queuedAfter, setQueuedAfter] = useState<string | null | undefined>(undefined);
  const [stalled, setStalled] = useState(false);
  const run = trpc.backups.runNow.useMutation({
    onSuccess: () => {
      setQueuedAfter(latest?.id ?? null);
      setStalled(false);
      router.refresh();
    },
  });
  const running = latest?.status === "running";
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

  return (
    <div className="flex flex-col items-end gap-2">
      <Button onClick={() => run.mutate()} disabled={run.isPending || running || waiting}>
        Run backup now
      </Button>
      {(running || waiting) && (
        <p role="status" className="text-sm text-gray-600 dark:text-gray-400">
          {running ? "Backup running…" : "Backup queued, waiting for a worker…"}
        </p>
      )}
      {waiting && stalled && (
        <Alert tone="warning">
          No worker has picked the backup up yet. Check that the workers run (<code>npm run workers</code>) and look at{" "}
          <Link className="underline" href="/admin/jobs?queue=git-backup">
            Background jobs
          </Link>
          .
        </Alert>
      )}
      {formError(run.error) && <Alert>{formError(run.error)}</Alert>}
    </div>
  );
}
