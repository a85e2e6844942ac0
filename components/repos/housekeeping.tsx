"use client";

import { RunNowButton, type RunNowMutation } from "@/components/jobs/run-now-button";
import { trpc } from "@/components/trpc";
import { Badge, formatBytes, formatDateSeconds, formatDuration } from "@/components/ui";

export type HousekeepingRun = {
  status: "ok" | "failed";
  error: string | null;
  trigger: string;
  triggeredByUsername: string | null;
  startedAt: Date;
  finishedAt: Date;
  bytesBefore: number;
  bytesAfter: number;
  temporariesRemoved: number;
};

function triggerLabel(run: HousekeepingRun) {
  if (run.trigger === "manual") return run.triggeredByUsername ? `run by ${run.triggeredByUsername}` : "run by hand";
  return run.trigger === "push" ? "after a push" : "daily schedule";
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex gap-4 py-1.5 text-sm">
      <dt className="w-44 shrink-0 text-gray-600 dark:text-gray-400">{label}</dt>
      <dd className="min-w-0 text-gray-900 dark:text-gray-100">{children}</dd>
    </div>
  );
}

/** The repository's last housekeeping run, and "Run housekeeping now" (queues a run and follows it). */
export function Housekeeping({ slug, name, last, cron }: { slug: string; name: string; last: HousekeepingRun | null; cron: string }) {
  const run = trpc.repoAdmin.runHousekeeping.useMutation();
  const mutation: RunNowMutation = { mutate: (_, options) => run.mutate({ slug, name }, options), isPending: run.isPending, error: run.error };
  return (
    <div className="flex flex-wrap items-start justify-between gap-4">
      <div className="min-w-0 max-w-3xl space-y-3">
        <p className="text-sm text-gray-600 dark:text-gray-400">
          Removes what interrupted pushes leave behind (after an hour), repacks when <code>git gc --auto</code> finds too many loose objects or packs, and
          refreshes the commit-graph that keeps history pages fast. Runs after pushes and every day (<code>{cron}</code>, UTC).
        </p>
        {last ?
          <dl aria-label="Last housekeeping run" className="divide-y divide-gray-100 dark:divide-gray-700">
            <Row label="Last run">
              {formatDateSeconds(last.finishedAt)} · {triggerLabel(last)} · took {formatDuration(last.startedAt, last.finishedAt)}
            </Row>
            <Row label="Result">
              {last.status === "ok" ?
                <Badge tone="green">Succeeded</Badge>
              : <>
                  <Badge tone="red">Failed</Badge> <span className="break-words">{last.error}</span>
                </>
              }
            </Row>
            <Row label="Disk reclaimed">
              {formatBytes(Math.max(0, last.bytesBefore - last.bytesAfter))} ({formatBytes(last.bytesBefore)} → {formatBytes(last.bytesAfter)})
            </Row>
            <Row label="Leftovers removed">
              {last.temporariesRemoved === 1 ? "1 leftover of an interrupted push" : `${last.temporariesRemoved} leftovers of interrupted pushes`}
            </Row>
          </dl>
        : <p className="text-sm">Housekeeping has not run on this repository yet.</p>}
      </div>
      <RunNowButton
        mutation={mutation}
        latest={last ? { id: last.finishedAt.toISOString(), status: last.status } : null}
        label="Run housekeeping now"
        noun="Housekeeping"
        queue="git-housekeeping"
      />
    </div>
  );
}
