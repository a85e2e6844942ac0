"use client";

import { RunNowButton } from "@/components/jobs/run-now-button";
import { trpc } from "@/components/trpc";

/** "Scan now": queues a GLSA scan and refreshes the page until its result is recorded. */
export function ScanGlsaButton({ latest }: { latest: { id: string; status: string } | null }) {
  const scan = trpc.farmSecurity.scanNow.useMutation();
  return <RunNowButton mutation={scan} latest={latest} label="Scan now" noun="Scan" queue="farm-glsa-scan" />;
}
