import type { ReactNode } from "react";
import { api, orNotFound } from "@/server/api/server";
import { SyncNow } from "@/components/ldap/sync-now";
import { Pager } from "@/components/pager";
import { Badge, Breadcrumbs, Card, EmptyState, formatDateSeconds, formatDuration, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "LDAP sync · Admin area" };

const statusBadge = {
  running: <Badge tone="blue">Running</Badge>,
  success: <Badge tone="green">Succeeded</Badge>,
  failed: <Badge tone="red">Failed</Badge>,
};

/** "3 added, 1 removed" — zero counts left out, "no changes" when all are zero. */
function changes(parts: [number, string][]) {
  const shown = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return shown.length ? shown.join(", ") : <span className="text-gray-500">no changes</span>;
}

function Setting({ label, value, note }: { label: string; value: ReactNode; note?: ReactNode }) {
  return (
    <div className="grid gap-1 py-2 sm:grid-cols-[12rem_1fr] sm:gap-4">
      <dt className="text-gray-600 dark:text-gray-400">{label}</dt>
      <dd>
        <span className="break-words font-mono text-xs text-gray-900 dark:text-gray-100">{value}</span>
        {note && <div className="mt-0.5 text-xs text-gray-500 dark:text-gray-400">{note}</div>}
      </dd>
    </div>
  );
}

const code = (s: string) => <code className="font-mono">{s}</code>;

const triggerLabels: Record<string, string> = { cli: "command line", schedule: "schedule", startup: "portal start", login: "a sign-in" };

export default async function AdminLdapPage({ searchParams }: { searchParams: Promise<{ cursor?: string }> }) {
  const { cursor } = await searchParams;
  const { configured, config, latest, mine, runs } = await orNotFound((await api()).ldap.status({ cursor: cursor || undefined }));
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "LDAP sync" }]} />
      <PageHeader
        title="LDAP sync"
        description="Each organization in the directory becomes a private organization here; its leaders, members and reporters groups become memberships. Organizations removed from the directory are archived, never deleted."
        actions={<SyncNow configured={configured} latest={latest} mine={mine} />}
      />

      {!config ?
        <EmptyState title="LDAP is not configured">
          Set <code>LDAP_URL</code>, <code>LDAP_BIND_DN</code> and <code>LDAP_BIND_PASSWORD</code> (and the bases if your tree differs from the defaults, see
          the README&apos;s configuration section), then restart Rookery. Until then only local accounts and local organizations exist.
        </EmptyState>
      : <section aria-labelledby="ldap-config-heading" className="mb-8">
          <h2 id="ldap-config-heading" className="mb-2 text-lg font-semibold">
            Configuration
          </h2>
          <Card className="px-4 py-2 text-sm">
            <dl aria-label="LDAP configuration" className="divide-y divide-gray-100 dark:divide-gray-700">
              <Setting label="Server" value={config.url} note={config.startTls ? "StartTLS" : undefined} />
              <Setting label="Bind DN" value={config.bindDn ?? "anonymous bind"} />
              <Setting
                label="People base"
                value={config.peopleBase}
                note={
                  <>
                    filter {code(config.userFilter)}, user name from {code(config.userAttr)}
                  </>
                }
              />
              <Setting
                label="Organization base"
                value={config.orgBase}
                note={
                  <>
                    filter {code(config.orgFilter)}, name from {code(config.orgNameAttr)}, description from {code(config.orgDescriptionAttr)}
                  </>
                }
              />
              <Setting
                label="Groups"
                value={`${config.groupNameAttr}=${config.groups.leader} → leader, ${config.groupNameAttr}=${config.groups.developer} → developer, ${config.groupNameAttr}=${config.groups.reporter} → reporter`}
                note={<>below each organization entry; members listed in {code(config.groupMemberAttr)}</>}
              />
              <Setting label="Schedule" value={config.syncCron} note="cron, UTC" />
            </dl>
          </Card>
        </section>
      }

      <section aria-labelledby="ldap-runs-heading">
        <h2 id="ldap-runs-heading" className="mb-2 text-lg font-semibold">
          Sync runs
        </h2>
        {runs.items.length === 0 ?
          <EmptyState title="No sync has run yet">
            {configured ?
              `Press “Sync now” to import the directory's organizations, or wait for the scheduled sync (${config?.syncCron}).`
            : "Once LDAP is configured, the workers sync the directory on a schedule and you can start a sync here."}
          </EmptyState>
        : <Table label="Sync runs">
            <thead>
              <tr>
                <th className={th}>Started</th>
                <th className={th}>Trigger</th>
                <th className={th}>Status</th>
                <th className={th}>Duration</th>
                <th className={th}>Organizations</th>
                <th className={th}>Users</th>
                <th className={th}>Memberships</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {runs.items.map((r) => (
                <tr key={r.id} className="align-top">
                  <td className={td}>{formatDateSeconds(r.startedAt)}</td>
                  <td className={td}>
                    {r.trigger === "manual" ? `manual${r.triggeredBy ? ` by ${r.triggeredBy}` : ""}` : (triggerLabels[r.trigger] ?? r.trigger)}
                  </td>
                  <td className={td}>{statusBadge[r.status]}</td>
                  <td className={td}>{formatDuration(r.startedAt, r.finishedAt)}</td>
                  {r.status === "failed" ?
                    <td className={td} colSpan={3}>
                      <span className="text-red-700 dark:text-red-400">{r.error}</span>
                      <div className="text-xs text-gray-500">Nothing was changed.</div>
                    </td>
                  : r.status === "running" ?
                    <td className={td} colSpan={3}>
                      <span className="text-gray-500">Reading the directory and applying changes…</span>
                    </td>
                  : <>
                      <td className={td}>
                        {changes([
                          [r.orgsAdded, "added"],
                          [r.orgsUpdated, "updated"],
                          [r.orgsArchived, "archived"],
                        ])}
                      </td>
                      <td className={td}>
                        {changes([
                          [r.usersAdded, "added"],
                          [r.usersUpdated, "updated"],
                        ])}
                      </td>
                      <td className={td}>
                        {changes([
                          [r.membersAdded, "added"],
                          [r.membersRemoved, "removed"],
                          [r.membersChanged, "changed role"],
                        ])}
                      </td>
                    </>
                  }
                </tr>
              ))}
            </tbody>
          </Table>
        }
        <Pager path="/admin/ldap" params={{}} atFirstPage={!cursor} nextCursor={runs.nextCursor} nextLabel="Older runs" firstLabel="Newest runs" />
      </section>
    </>
  );
}
