"use client";

import { RunNowButton } from "@/components/jobs/run-now-button";
import { trpc } from "@/components/trpc";

/** "Sync now" queues a directory sync and follows the run it started (see RunNowButton). */
export function SyncNow({ configured, latest }: { configured: boolean; latest: { id: string; status: string } | null }) {
  const sync = trpc.ldap.syncNow.useMutation();
  return <RunNowButton mutation={sync} latest={latest} disabled={!configured} label="Sync now" noun="Sync" queue="ldap-sync" />;
}
