"use client";

import { RunNowButton, type RunNowMutation } from "@/components/jobs/run-now-button";
import { trpc } from "@/components/trpc";

type Run = { id: string; status: string } | null;

/** A queued run waits for a worker: the button follows it as running. */
const followed = (r: Run) => r && { id: r.id, status: r.status === "queued" ? "running" : r.status };

/** "Run tinderbox now" (leaders): queues a pass and refreshes the page until the run it started has finished. */
export function RunTinderboxNow({ slug, latest, mine }: { slug: string; latest: Run; mine: Run }) {
  const run = trpc.tinderbox.runNow.useMutation();
  const mutation: RunNowMutation = { mutate: (_, options) => run.mutate({ slug }, options), isPending: run.isPending, error: run.error };
  return (
    <RunNowButton mutation={mutation} latest={followed(latest)} mine={followed(mine)} label="Run tinderbox now" noun="Tinderbox run" queue="tinderbox-run" />
  );
}
