import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { CherryPickForm, PromoteTreeButton, SyncTreeButton } from "@/components/farm/portage-tree";
import { Alert, Badge, Breadcrumbs, EmptyState, formatDateSeconds, formatDuration, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "Portage tree · Admin area" };

const outcomeBadge = {
  created: <Badge tone="green">Branches created</Badge>,
  "fast-forward": <Badge tone="green">Fast-forward</Badge>,
  merge: <Badge tone="blue">Merged</Badge>,
  "up-to-date": <Badge tone="gray">Up to date</Badge>,
  conflict: <Badge tone="amber">Conflict</Badge>,
  error: <Badge tone="red">Failed</Badge>,
};

const repoPath = "/orgs/infrastructure/repos/gentoo";

export default async function AdminPortageTreePage() {
  const status = await orNotFound((await api()).portageTree.status());
  const last = status.syncs[0] ?? null;
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Build farm", href: "/admin/farm" }, { label: "Portage tree" }]} />
      <PageHeader
        title="Portage tree"
        description={
          <>
            <Link className="text-brand-600 underline" href={repoPath}>
              infrastructure/gentoo
            </Link>{" "}
            mirrors{" "}
            {status.upstreamUrl ?
              <code>{status.upstreamUrl}</code>
            : <em>no upstream (PORTAGE_TREE_UPSTREAM is empty)</em>}{" "}
            (branch <code>{status.upstreamBranch}</code>) into <code>upstream</code>, and brings it into <code>development</code> on the schedule{" "}
            <code>{status.cron}</code> (UTC): fast-forward, or a merge commit when development has its own commits. <code>staging</code> and{" "}
            <code>production</code> change by merge requests only. Builds of an environment fetch <code>{status.cloneUrl}</code> at its branch.
          </>
        }
        actions={<SyncTreeButton latest={last ? { id: last.id, status: last.outcome } : null} />}
      />
      {last?.outcome === "error" && (
        <div className="mb-6">
          <Alert>
            Last sync ({formatDateSeconds(last.finishedAt)}) failed: {last.error} Nothing was moved: development, staging and production are where they were.
          </Alert>
        </div>
      )}
      {last?.outcome === "conflict" && (
        <div className="mb-6">
          <Alert tone="warning">
            Last sync ({formatDateSeconds(last.finishedAt)}) stopped: upstream {last.upstreamSha?.slice(0, 12)} conflicts with development in{" "}
            {last.conflicts.map((p, i) => (
              <span key={p}>
                {i > 0 && ", "}
                <code>{p}</code>
              </span>
            ))}
            . Nothing was moved: resolve it on development by a merge request, then sync again.
          </Alert>
        </div>
      )}
      <section aria-labelledby="tree-branches-heading" className="mb-10">
        <h2 id="tree-branches-heading" className="mb-2 text-lg font-semibold">
          Branches
        </h2>
        <p className="mb-3 text-sm text-gray-600 dark:text-gray-400">
          Upstream is at{" "}
          {status.upstream ?
            <>
              <code>{status.upstream.sha.slice(0, 12)}</code> ({formatDateSeconds(status.upstream.date)}): {status.upstream.subject}
            </>
          : "nothing yet: no sync has succeeded"}
          .
        </p>
        <Table label="Portage tree branches">
          <thead>
            <tr>
              <th className={th}>Branch</th>
              <th className={th}>Head</th>
              <th className={th}>Upstream as of</th>
              <th className={th}>Behind upstream</th>
              <th className={th}></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
            {status.branches.map((b, i) => (
              <tr key={b.name} className="align-top">
                <td className={td}>
                  <code>{b.name}</code>
                </td>
                <td className={td}>
                  {b.head ?
                    <>
                      <Link className="text-brand-600 underline" href={`${repoPath}/commit/${b.head}`}>
                        <code>{b.head.slice(0, 12)}</code>
                      </Link>{" "}
                      {b.subject}
                    </>
                  : <span className="text-gray-500">created by the first successful sync</span>}
                </td>
                <td className={td}>{b.upstreamDate ? formatDateSeconds(b.upstreamDate) : "—"}</td>
                <td className={td}>{b.behind === null ? "—" : `${b.behind} commit${b.behind === 1 ? "" : "s"}`}</td>
                <td className={td}>{b.head && i < 2 && <PromoteTreeButton from={b.name as "development" | "staging"} to={status.branches[i + 1].name} />}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      </section>
      <section aria-labelledby="tree-pick-heading" className="mb-10">
        <h2 id="tree-pick-heading" className="mb-2 text-lg font-semibold">
          Cherry-pick upstream commits
        </h2>
        <p className="mb-3 text-sm text-gray-600 dark:text-gray-400">
          A fix that cannot wait for the next promotion: Rookery puts the chosen commits on a new branch from the target and opens a merge request for it.
        </p>
        {status.upstream ?
          <CherryPickForm />
        : <EmptyState title="Nothing to pick yet">The upstream tree has not been fetched.</EmptyState>}
      </section>
      <section aria-labelledby="tree-syncs-heading">
        <h2 id="tree-syncs-heading" className="mb-2 text-lg font-semibold">
          Recent syncs
        </h2>
        {status.syncs.length === 0 ?
          <EmptyState title="No sync has run yet">Press “Sync now”, or wait for the schedule ({status.cron} UTC).</EmptyState>
        : <Table label="Portage tree syncs">
            <thead>
              <tr>
                <th className={th}>Finished</th>
                <th className={th}>Trigger</th>
                <th className={th}>Result</th>
                <th className={th}>Duration</th>
                <th className={th}>development</th>
                <th className={th}>Details</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {status.syncs.map((s) => (
                <tr key={s.id} className="align-top">
                  <td className={td}>{formatDateSeconds(s.finishedAt)}</td>
                  <td className={td}>{s.trigger}</td>
                  <td className={td}>{outcomeBadge[s.outcome]}</td>
                  <td className={td}>{formatDuration(s.startedAt, s.finishedAt)}</td>
                  <td className={td}>
                    <code>{s.developmentBefore?.slice(0, 12) ?? "—"}</code>
                    {s.developmentAfter !== s.developmentBefore && (
                      <>
                        {" → "}
                        <code>{s.developmentAfter?.slice(0, 12)}</code>
                      </>
                    )}
                  </td>
                  <td className={td}>
                    {s.error}
                    {s.conflicts.length > 0 && `Conflicts: ${s.conflicts.join(", ")}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        }
      </section>
    </>
  );
}
