"use client";

import { RunNowButton } from "@/components/jobs/run-now-button";
import { trpc } from "@/components/trpc";

/** Queues a backup and refreshes the page until the run it started has finished. */
export function RunBackupButton({ latest }: { latest: { id: string; status: string } | null }) {
  const run = trpc.backups.runNow.useMutation();
  return <RunNowButton mutation={run} latest={latest} label="Run backup now" noun="Backup" queue="git-backup" />;
}
