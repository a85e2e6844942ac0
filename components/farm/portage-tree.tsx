"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { RunNowButton } from "@/components/jobs/run-now-button";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";

type TreeBranch = "development" | "staging" | "production";

/** "Sync now": queues a sync and refreshes the page until its result is recorded. */
export function SyncTreeButton({ latest }: { latest: { id: string; status: string } | null }) {
  const sync = trpc.portageTree.syncNow.useMutation();
  return <RunNowButton mutation={sync} latest={latest} label="Sync now" noun="Sync" queue="farm-portage-tree-sync" />;
}

/** "Promote": opens the merge request from → next and links to it. */
export function PromoteTreeButton({ from, to }: { from: "development" | "staging"; to: TreeBranch }) {
  const promote = trpc.portageTree.promote.useMutation();
  return (
    <span className="inline-flex flex-col gap-1">
      <Button variant="secondary" onClick={() => promote.mutate({ from })} disabled={promote.isPending}>
        {promote.isPending ? "Opening…" : `Promote ${from} → ${to}`}
      </Button>
      {promote.data && (
        <Alert tone="success">
          Opened{" "}
          <Link className="underline" href={promote.data.path}>
            merge request !{promote.data.number}
          </Link>
        </Alert>
      )}
      {promote.error && <Alert>{formError(promote.error) ?? promote.error.message}</Alert>}
    </span>
  );
}

/** "Cherry-pick": choose upstream commits the target lacks; Rookery opens a merge request with only those. */
export function CherryPickForm() {
  const router = useRouter();
  const [target, setTarget] = useState<TreeBranch>("production");
  const [chosen, setChosen] = useState<string[]>([]);
  const missing = trpc.portageTree.missing.useQuery({ target });
  const pick = trpc.portageTree.cherryPick.useMutation({ onSuccess: () => router.refresh() });
  const toggle = (sha: string) => setChosen((c) => (c.includes(sha) ? c.filter((x) => x !== sha) : [...c, sha]));
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        pick.mutate({ target, commits: chosen });
      }}
    >
      <Field id="pick-target" label="Target branch">
        <select
          id="pick-target"
          className={inputClass}
          value={target}
          onChange={(e) => {
            setTarget(e.target.value as TreeBranch);
            setChosen([]);
          }}
        >
          <option value="production">production</option>
          <option value="staging">staging</option>
          <option value="development">development</option>
        </select>
      </Field>
      <fieldset>
        <legend className="mb-1 text-sm font-medium">Upstream commits {target} lacks (newest first)</legend>
        {missing.isLoading && <p className="text-sm text-gray-500">Loading…</p>}
        {missing.data && !missing.data.commits.length && <p className="text-sm text-gray-500">{target} has every upstream commit.</p>}
        <ul className="max-h-80 space-y-1 overflow-y-auto text-sm">
          {missing.data?.commits.map((c) => (
            <li key={c.sha}>
              <label className="flex items-start gap-2">
                <input type="checkbox" checked={chosen.includes(c.sha)} onChange={() => toggle(c.sha)} />
                <code>{c.sha.slice(0, 12)}</code>
                <span>{c.subject}</span>
                <span className="text-gray-500">— {c.authorName}</span>
              </label>
            </li>
          ))}
        </ul>
        {missing.data && missing.data.total > missing.data.commits.length && (
          <p className="mt-1 text-xs text-gray-500">
            The newest {missing.data.commits.length} of {missing.data.total} are listed.
          </p>
        )}
      </fieldset>
      <Button type="submit" disabled={pick.isPending || !chosen.length}>
        {pick.isPending ? "Cherry-picking…" : `Cherry-pick ${chosen.length ? `${chosen.length} commit${chosen.length === 1 ? "" : "s"} ` : ""}into ${target}`}
      </Button>
      {pick.data && (
        <Alert tone="success">
          Branch <code>{pick.data.branch}</code> and{" "}
          <Link className="underline" href={pick.data.path}>
            merge request !{pick.data.number}
          </Link>{" "}
          opened
        </Alert>
      )}
      {pick.error && <Alert>{pick.error.message}</Alert>}
    </form>
  );
}
