"use client";

import { RunNowButton } from "@/components/jobs/run-now-button";
import { trpc } from "@/components/trpc";

/** "Sync now" queues a directory sync and follows the run it started (see RunNowButton). */
type Run = { id: string; status: string } | null;

export function SyncNow({ configured, latest, mine }: { configured: boolean; latest: Run; mine: Run }) {
  const sync = trpc.ldap.syncNow.useMutation();
  return <RunNowButton mutation={sync} latest={latest} mine={mine} disabled={!configured} label="Sync now" noun="Sync" queue="ldap-sync" />;
}
