"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { formError } from "@/components/trpc";
import { Alert, Button } from "@/components/ui";

/** How long a queued run may wait for a worker before we say so. */
const STALL_MS = 60_000;

/** The parts of a tRPC `useMutation()` result (no input) this button needs. */
export type RunNowMutation = {
  mutate: (input: undefined, options: { onSuccess: () => void }) => void;
  isPending: boolean;
  error: unknown;
};

/**
 * "Run now" for a background job: the mutation queues a run; the page then refreshes
 * every second until the run it started has appeared and finished (`latest` and `mine`
 * come from the server on each refresh). Warns when no worker picks the run up.
 */
export function RunNowButton({
  mutation,
  latest,
  mine,
  disabled = false,
  label,
  noun,
  queue,
}: {
  mutation: RunNowMutation;
  /** The newest run, whoever started it: while it runs the button waits. */
  latest: { id: string; status: string } | null;
  /**
   * The newest run the viewer started. When given, the button follows it, so a scheduled
   * or sign-in run that slips in before the viewer's own does not end the wait early.
   */
  mine?: { id: string; status: string } | null;
  disabled?: boolean;
  /** Button text, e.g. "Sync now". */
  label: string;
  /** Capitalised name of a run, e.g. "Sync" ("Sync running…", "the sync"). */
  noun: string;
  /** pg-boss queue, for the link to Background jobs. */
  queue: string;
}) {
  const router = useRouter();
  const [queuedAfter, setQueuedAfter] = useState<string | null | undefined>(undefined);
  const [stalled, setStalled] = useState(false);
  const followed = mine === undefined ? latest : mine;
  const running = latest?.status === "running" || followed?.status === "running";
  // Queued: no run newer than the one that was followed when the admin clicked.
  const waiting = queuedAfter !== undefined && (followed?.id ?? null) === queuedAfter;

  useEffect(() => {
    if (!running && !waiting) return;
    const poll = setInterval(() => router.refresh(), 1000);
    const stall = waiting ? setTimeout(() => setStalled(true), STALL_MS) : undefined;
    return () => {
      clearInterval(poll);
      clearTimeout(stall);
    };
  }, [running, waiting, router]);

  const start = () =>
    mutation.mutate(undefined, {
      onSuccess: () => {
        setQueuedAfter(followed?.id ?? null);
        setStalled(false);
        router.refresh();
      },
    });
  const error = formError(mutation.error);
  return (
    <div className="flex flex-col items-end gap-2">
      <Button onClick={start} disabled={disabled || mutation.isPending || running || waiting}>
        {label}
      </Button>
      {(running || waiting) && (
        <p role="status" className="text-sm text-gray-600 dark:text-gray-400">
          {running ? `${noun} running…` : `${noun} queued, waiting for a worker…`}
        </p>
      )}
      {waiting && stalled && (
        <Alert tone="warning">
          No worker has picked the {noun.toLowerCase()} up yet. Check that the workers run (<code>npm run workers</code>) and look at{" "}
          <Link className="underline" href={`/admin/jobs?queue=${queue}`}>
            Background jobs
          </Link>
          .
        </Alert>
      )}
      {error && <Alert>{error}</Alert>}
    </div>
  );
}
