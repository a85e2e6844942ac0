"use client";

import { useRouter } from "next/navigation";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button } from "@/components/ui";

type Target = { environment: string; arch: string; variant: "incremental" | "clean" } & ({ profile: string } | { stack: string });

/** Queues the build on the runners and opens its pipeline (live log, artifacts). */
export function StartFarmBuild({ target, label }: { target: Target; label: string }) {
  const router = useRouter();
  const start = trpc.farmBuilds.start.useMutation({ onSuccess: (r) => router.push(`/pipelines/${r.pipelineId}`) });
  const error = start.error ? (formError(start.error) ?? start.error.message) : null;
  return (
    <span className="inline-flex flex-col gap-1">
      <Button onClick={() => start.mutate(target)} disabled={start.isPending}>
        {start.isPending ? "Queueing…" : label}
      </Button>
      {error && <Alert>{error}</Alert>}
    </span>
  );
}
