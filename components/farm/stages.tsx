"use client";

import { useRouter } from "next/navigation";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button } from "@/components/ui";

/** "Build stage": queues the stage3 job on a gentoo runner and opens its pipeline (live log per step). */
export function StartStageBuild({ target }: { target: { environment: string; arch: string; profile: string } }) {
  const router = useRouter();
  const start = trpc.farmBuilds.startStage.useMutation({ onSuccess: (r) => router.push(`/pipelines/${r.pipelineId}`) });
  const error = start.error ? (formError(start.error) ?? start.error.message) : null;
  return (
    <span className="inline-flex flex-col gap-1">
      <Button
        onClick={() => start.mutate(target)}
        disabled={start.isPending}
        aria-label={`Build stage of ${target.profile} for ${target.environment}/${target.arch}`}
      >
        {start.isPending ? "Queueing…" : "Build stage"}
      </Button>
      {error && <Alert>{error}</Alert>}
    </span>
  );
}

/** "Build with catalyst": the stage3 of a system profile or the stage4 of a stack, on a runner tagged `catalyst`. */
export function StartCatalystStage({
  target,
  label,
}: {
  target: { environment: string; arch: string } & ({ profile: string } | { stack: string });
  label: string;
}) {
  const router = useRouter();
  const start = trpc.farmBuilds.startCatalystStage.useMutation({ onSuccess: (r) => router.push(`/pipelines/${r.pipelineId}`) });
  const error = start.error ? (formError(start.error) ?? start.error.message) : null;
  return (
    <span className="inline-flex flex-col gap-1">
      <Button variant="secondary" onClick={() => start.mutate(target)} disabled={start.isPending}>
        {start.isPending ? "Queueing…" : label}
      </Button>
      {error && <Alert>{error}</Alert>}
    </span>
  );
}
