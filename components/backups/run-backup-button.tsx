"use client";

import { RunNowButton } from "@/components/jobs/run-now-button";
import { trpc } from "@/components/trpc";

/** Queues a backup and refreshes the page until the run it started has finished. */
type Run = { id: string; status: string } | null;

export function RunBackupButton({ latest, mine }: { latest: Run; mine: Run }) {
  const run = trpc.backups.runNow.useMutation();
  return <RunNowButton mutation={run} latest={latest} mine={mine} label="Run backup now" noun="Backup" queue="git-backup" />;
}
