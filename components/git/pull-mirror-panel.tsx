"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { formError, trpc } from "@/components/trpc";
import { Alert, Badge, Button, formatDate } from "@/components/ui";

type Mirror = {
  url: string;
  intervalMinutes: number;
  lastSyncAt: Date | null;
  lastStatus: "ok" | "error" | null;
  lastError: string | null;
  lastDurationMs: number | null;
  nextSyncAt: Date;
};

function every(minutes: number) {
  if (minutes % 1440 === 0) return minutes === 1440 ? "daily" : `every ${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? "hourly" : `every ${minutes / 60} hours`;
  return `every ${minutes} minutes`;
}

/** "Mirror of <url> · last synced … (ok / error)" with "Sync now"; refreshes until the queued sync has run. */
export function PullMirrorPanel({ slug, name, mirror, canSync }: { slug: string; name: string; mirror: Mirror; canSync: boolean }) {
  const router = useRouter();
  const last = mirror.lastSyncAt ? new Date(mirror.lastSyncAt).getTime() : null;
  const [waitingSince, setWaitingSince] = useState<number | null | undefined>(undefined);
  const sync = trpc.mirrors.syncNow.useMutation({ onSuccess: () => setWaitingSince(last) });
  const waiting = waitingSince !== undefined && last === waitingSince;
  const neverSynced = last === null;

  useEffect(() => {
    if (!waiting && !neverSynced) return;
    const t = setInterval(() => router.refresh(), 1500);
    const stop = setTimeout(() => clearInterval(t), 120_000);
    return () => {
      clearInterval(t);
      clearTimeout(stop);
    };
  }, [waiting, neverSynced, router]);

  return (
    <section aria-label="Pull mirror" className="rounded-lg border border-gray-200 bg-gray-50 px-4 py-3 text-sm dark:border-gray-700 dark:bg-gray-900">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p>
          Mirror of <span className="break-all font-mono">{mirror.url}</span> · read-only, fetched {every(mirror.intervalMinutes)} ·{" "}
          {mirror.lastSyncAt ?
            <>
              last synced {formatDate(mirror.lastSyncAt)}{" "}
              {mirror.lastStatus === "ok" ?
                <Badge tone="green">ok</Badge>
              : <Badge tone="red">error</Badge>}
            </>
          : <span className="text-gray-600 dark:text-gray-400">first sync pending</span>}
        </p>
        {canSync && (
          <Button variant="secondary" disabled={sync.isPending || waiting} onClick={() => sync.mutate({ slug, name })}>
            {waiting ? "Syncing…" : "Sync now"}
          </Button>
        )}
      </div>
      {mirror.lastStatus === "error" && mirror.lastError && (
        <pre className="mt-2 whitespace-pre-wrap rounded bg-red-50 p-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-200">{mirror.lastError}</pre>
      )}
      {formError(sync.error) && <Alert>{formError(sync.error)}</Alert>}
    </section>
  );
}
