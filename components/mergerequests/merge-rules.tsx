"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, inputClass } from "@/components/ui";

type Rule = {
  id: string;
  pattern: string;
  requiredApprovals: number;
  authorsCannotApprove: boolean;
  requireSignoff: boolean;
  requireResolvedThreads: boolean;
  requiredContexts: string[];
};

function RuleForm({ slug, name, rule }: { slug: string; name: string; rule: Rule }) {
  const router = useRouter();
  const [approvals, setApprovals] = useState(String(rule.requiredApprovals));
  const [authors, setAuthors] = useState(rule.authorsCannotApprove);
  const [signoff, setSignoff] = useState(rule.requireSignoff);
  const [threads, setThreads] = useState(rule.requireResolvedThreads);
  const [contexts, setContexts] = useState(rule.requiredContexts.join(", "));
  const save = trpc.mergeRequests.setMergeRules.useMutation({ onSuccess: () => router.refresh() });
  const errors = fieldErrors(save.error);
  return (
    <form
      aria-label={`Merge rules of ${rule.pattern}`}
      className="flex flex-wrap items-end gap-4 rounded-lg border border-gray-200 p-3 text-sm dark:border-gray-700"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          slug,
          name,
          id: rule.id,
          requiredApprovals: Number(approvals),
          authorsCannotApprove: authors,
          requireSignoff: signoff,
          requireResolvedThreads: threads,
          requiredContexts: contexts
            .split(",")
            .map((c) => c.trim())
            .filter(Boolean),
        });
      }}
    >
      <p className="w-full font-mono font-medium">{rule.pattern}</p>
      <label className="flex flex-col gap-1">
        Required approvals
        <input type="number" min={0} max={20} className={`${inputClass} w-24`} value={approvals} onChange={(e) => setApprovals(e.target.value)} />
        {errors.requiredApprovals && <span className="text-red-600">{errors.requiredApprovals}</span>}
      </label>
      <label className="flex items-center gap-1.5 pb-2">
        <input type="checkbox" checked={authors} onChange={(e) => setAuthors(e.target.checked)} /> Authors cannot approve their own
      </label>
      <label className="flex items-center gap-1.5 pb-2">
        <input type="checkbox" checked={signoff} onChange={(e) => setSignoff(e.target.checked)} /> Every commit needs Signed-off-by of its author
      </label>
      <label className="flex items-center gap-1.5 pb-2">
        <input type="checkbox" checked={threads} onChange={(e) => setThreads(e.target.checked)} /> Every thread resolved
      </label>
      <label className="flex min-w-64 flex-1 flex-col gap-1">
        Required status checks (comma-separated contexts)
        <input className={`${inputClass} font-mono`} value={contexts} onChange={(e) => setContexts(e.target.value)} placeholder="ci/build, builds/amd64" />
        {errors.requiredContexts && <span className="text-red-600">{errors.requiredContexts}</span>}
      </label>
      <Button type="submit" variant="secondary" disabled={save.isPending}>
        Save merge rules
      </Button>
      {formError(save.error) && <Alert>{formError(save.error)}</Alert>}
      {save.isSuccess && !save.isPending && <span className="pb-2 text-green-700 dark:text-green-400">Saved</span>}
    </form>
  );
}

/** One form per protected branch: what a merge request into it needs. */
export function MergeRulesEditor({ slug, name, rules }: { slug: string; name: string; rules: Rule[] }) {
  if (!rules.length) return <p className="text-sm text-gray-500">Protect a branch above to give it merge rules.</p>;
  return (
    <div className="space-y-3">
      {rules.map((r) => (
        // keyed by the rule only: the refresh after a save must not remount the form and hide its "Saved"
        <RuleForm key={r.id} slug={slug} name={name} rule={r} />
      ))}
    </div>
  );
}
