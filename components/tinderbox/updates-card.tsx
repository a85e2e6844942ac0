"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { mrUrl } from "@/components/code/urls";
import { formError, trpc } from "@/components/trpc";
import { Alert, Badge, Button, buttonClass, Card } from "@/components/ui";

type ModuleUpdate = { module: string; type: string; from: string | null; to: string; changelog: string | null };

export type Updates = {
  repo: string;
  pending: {
    mr: { id: string; number: number; title: string; headSha: string; mergeability: string };
    checks: { ok: boolean; reasons: string[]; approvals: { required: number; given: number; ok: boolean } } | null;
    modules: ModuleUpdate[];
    canMerge: boolean;
    canApprove: boolean;
  } | null;
  merged: { number: number; title: string; bump: "minor" | "patch" } | null;
};

/**
 * The org leader's Updates card: the tinderbox's pending merge request with its checks,
 * "Review changes" (grouped by module, from the run's recorded changes), "Merge update"
 * (through the merge request's own merge with all its rules), then "Bake release".
 */
export function UpdatesCard({ slug, updates }: { slug: string; updates: Updates }) {
  const router = useRouter();
  const [reviewing, setReviewing] = useState(false);
  const merge = trpc.mergeRequests.merge.useMutation({ onSuccess: () => router.refresh() });
  const approve = trpc.mergeRequests.approve.useMutation();
  const { pending, merged, repo } = updates;
  if (!pending && !merged) return null;
  const mrRef = pending && { slug, name: repo, number: pending.mr.number };
  const doMerge = () => mrRef && merge.mutate({ ...mrRef, expectedHeadSha: pending.mr.headSha, method: "merge", deleteSource: false });
  // only the approvals are missing, and this leader may give one
  const approvalsOnly = !!pending?.checks && !pending.checks.ok && !pending.checks.approvals.ok && pending.checks.reasons.length === 1;
  const canApproveThenMerge = approvalsOnly && pending!.canApprove && pending!.checks!.approvals.required - pending!.checks!.approvals.given === 1;
  const error = formError(merge.error) ?? formError(approve.error);
  return (
    <section id="updates" aria-labelledby="updates-heading">
      <h2 id="updates-heading" className="mb-2 text-lg font-semibold">
        Updates
      </h2>
      <Card className="space-y-3 p-4">
        {pending && (
          <div className="space-y-3">
            <div className="flex flex-wrap items-center gap-2">
              {pending.checks?.ok ?
                <Badge tone="green">✓ ready to merge</Badge>
              : canApproveThenMerge ?
                <Badge tone="green">✓ checks pass, needs your approval</Badge>
              : <Badge tone="amber">not ready</Badge>}
              <Link href={mrUrl(slug, repo, pending.mr.number)} className="font-medium hover:underline">
                {pending.mr.title} !{pending.mr.number}
              </Link>
            </div>
            {pending.checks && !pending.checks.ok && (
              <p className="text-sm text-gray-700 dark:text-gray-300">
                This update cannot be merged yet: {pending.checks.reasons.join("; ")}.
                {canApproveThenMerge ?
                  " Your approval counts: “Approve and merge update” approves it and merges it."
                : approvalsOnly && " Ask another member of the organization to approve it; the tinderbox cannot approve its own update."}
              </p>
            )}
            <div className="flex flex-wrap gap-2">
              <Button variant="secondary" aria-expanded={reviewing} onClick={() => setReviewing(!reviewing)}>
                Review changes
              </Button>
              {pending.canMerge && pending.checks?.ok && (
                <Button onClick={doMerge} disabled={merge.isPending}>
                  {merge.isPending ? "Merging…" : "Merge update"}
                </Button>
              )}
              {pending.canMerge && canApproveThenMerge && (
                <Button
                  onClick={() => mrRef && approve.mutate({ ...mrRef, expectedHeadSha: pending.mr.headSha }, { onSuccess: doMerge })}
                  disabled={approve.isPending || merge.isPending}
                >
                  Approve and merge update
                </Button>
              )}
            </div>
            {reviewing && (
              <ul aria-label="Changes by module" className="divide-y divide-gray-200 rounded border border-gray-200 dark:divide-gray-700 dark:border-gray-700">
                {pending.modules.length === 0 && <li className="p-3 text-sm">Puppetfile now pins the commits of Puppetfile.lock; no module moved.</li>}
                {pending.modules.map((m) => (
                  <li key={m.module} className="p-3 text-sm">
                    <p>
                      <strong>{m.module}</strong> <span className="font-mono">{m.from ?? "new"}</span> → <span className="font-mono">{m.to}</span>{" "}
                      <span className="text-gray-500">({m.type})</span>
                    </p>
                    {m.changelog && <pre className="mt-1 text-xs whitespace-pre-wrap text-gray-700 dark:text-gray-300">{m.changelog}</pre>}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {merged && (
          <div className="flex flex-wrap items-center justify-between gap-2">
            <p className="text-sm">
              <Badge tone="purple">merged</Badge> {merged.title} !{merged.number} is in <code>develop</code> and not released yet.
            </p>
            <Link href={`/orgs/${slug}/repos/${repo}/releases?bump=${merged.bump}`} className={buttonClass.primary}>
              Bake release
            </Link>
          </div>
        )}
        {error && <Alert>{error}</Alert>}
      </Card>
    </section>
  );
}
