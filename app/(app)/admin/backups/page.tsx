import { api, orNotFound } from "@/server/api/server";
import { RunBackupButton } from "@/components/backups/run-backup-button";
import { Pager } from "@/components/pager";
import { Badge, Breadcrumbs, EmptyState, formatBytes, formatDateSeconds, formatDuration, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "Backups · Admin area" };

const statusBadge = {
  running: <Badge tone="blue">Running</Badge>,
  success: <Badge tone="green">Succeeded</Badge>,
  partial: <Badge tone="amber">Partly failed</Badge>,
  failed: <Badge tone="red">Failed</Badge>,
};

const triggers: Record<string, string> = { schedule: "schedule", manual: "manual", cli: "command line" };

export default async function AdminBackupsPage({ searchParams }: { searchParams: Promise<{ cursor?: string }> }) {
  const { cursor } = await searchParams;
  const { config, runs, latest, mine } = await orNotFound((await api()).backups.status({ cursor: /^[0-9a-f-]{36}$/.test(cursor ?? "") ? cursor : undefined }));
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Backups" }]} />
      <PageHeader
        title="Backups"
        description={
          <>
            Every repository is written as a <code>git bundle</code> to <code>{config.dir}/&lt;date&gt;/&lt;org&gt;/&lt;repo&gt;.bundle</code>, with a{" "}
            <code>manifest.json</code> (sizes, sha256, skipped repositories), on the schedule <code>{config.cron}</code> (UTC). The last {config.retentionDays}{" "}
            days are kept (<code>BACKUP_RETENTION_DAYS</code>). Restore one with{" "}
            <code>npm run rookery -- repo:restore &lt;org&gt;/&lt;repo&gt; &lt;bundle&gt;</code>.
          </>
        }
        actions={<RunBackupButton latest={latest} mine={mine} />}
      />
      <section aria-labelledby="backup-runs-heading">
        <h2 id="backup-runs-heading" className="mb-2 text-lg font-semibold">
          Backup runs
        </h2>
        {runs.items.length === 0 ?
          <EmptyState title="No backup has run yet">Press “Run backup now”, or wait for the daily run ({config.cron} UTC).</EmptyState>
        : <Table label="Backup runs">
            <thead>
              <tr>
                <th className={th}>Started</th>
                <th className={th}>Trigger</th>
                <th className={th}>Status</th>
                <th className={th}>Duration</th>
                <th className={th}>Repositories</th>
                <th className={th}>Size</th>
                <th className={th}>Directory</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {runs.items.map((r) => (
                <tr key={r.id} className="align-top">
                  <td className={td}>{formatDateSeconds(r.startedAt)}</td>
                  <td className={td}>
                    {triggers[r.trigger] ?? r.trigger}
                    {r.triggeredByName ? ` by ${r.triggeredByName}` : ""}
                  </td>
                  <td className={td}>{statusBadge[r.status]}</td>
                  <td className={td}>{formatDuration(r.startedAt, r.finishedAt)}</td>
                  <td className={td}>
                    {r.status === "running" ?
                      <span className="text-gray-500">Bundling…</span>
                    : <>
                        {r.reposBackedUp} bundled
                        {r.reposEmpty > 0 && <span className="text-gray-500">, {r.reposEmpty} empty (skipped)</span>}
                        {r.reposFailed > 0 && <span className="text-red-700 dark:text-red-400">, {r.reposFailed} failed</span>}
                        {r.errors.length > 0 && (
                          <ul className="mt-1 text-xs text-red-700 dark:text-red-400">
                            {r.errors.map((e) => (
                              <li key={e.repo}>
                                {e.repo}: {e.error}
                              </li>
                            ))}
                          </ul>
                        )}
                        {r.pruned.length > 0 && <div className="text-xs text-gray-500">Removed old backups: {r.pruned.join(", ")}</div>}
                      </>
                    }
                  </td>
                  <td className={td}>{r.status === "running" ? "—" : formatBytes(r.bytes)}</td>
                  <td className={td}>
                    <code className="break-all text-xs">{r.directory}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        }
        <Pager path="/admin/backups" params={{}} atFirstPage={!cursor} nextCursor={runs.nextCursor} nextLabel="Older runs" firstLabel="Newest runs" />
      </section>
    </>
  );
}
