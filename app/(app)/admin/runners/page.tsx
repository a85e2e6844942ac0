import { api, orNotFound } from "@/server/api/server";
import { getConfig } from "@/server/config";
import { PageNumberPager } from "@/components/pager";
import { RegistrationTokenForm, RevokeRegistrationToken, RunnerActions } from "@/components/runners/runner-admin";
import { Badge, Breadcrumbs, EmptyState, formatDate, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "Runners · Admin area" };

export default async function AdminRunnersPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  const page = Math.max(1, Number((await searchParams).page) || 1);
  const data = await orNotFound((await api()).runners.list({ page }));
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Runners" }]} />
      <PageHeader
        title="Runners"
        description="Build hosts that pull jobs from this portal over HTTP. A runner is online while it has polled within the last minute."
      />
      <div className="space-y-8">
        <RegistrationTokenForm portalUrl={getConfig().publicUrl} />
        <section aria-labelledby="runners-heading">
          <h2 id="runners-heading" className="mb-2 text-lg font-semibold">
            Registered runners ({data.total})
          </h2>
          {data.rows.length === 0 ?
            <EmptyState title="No runners yet">Create a registration token above and register a build host with it.</EmptyState>
          : <Table label="Runners">
              <thead>
                <tr>
                  <th className={th}>Name</th>
                  <th className={th}>Status</th>
                  <th className={th}>Arch</th>
                  <th className={th}>Tags</th>
                  <th className={th}>Executor</th>
                  <th className={th}>Version</th>
                  <th className={th}>Jobs</th>
                  <th className={th}>Last contact</th>
                  <th className={th}></th>
                </tr>
              </thead>
              <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
                {data.rows.map((r) => (
                  <tr key={r.id} data-runner={r.name}>
                    <td className={td}>
                      {r.name} {r.embedded && <Badge>embedded</Badge>}
                      <div className="font-mono text-xs text-gray-500">{r.tokenPrefix}…</div>
                    </td>
                    <td className={td}>
                      {r.online ?
                        <Badge tone="green">Online</Badge>
                      : <Badge tone="gray">Offline</Badge>}{" "}
                      {r.paused && <Badge tone="amber">Paused</Badge>}
                    </td>
                    <td className={td}>{r.arch}</td>
                    <td className={td}>{r.tags.join(", ") || "—"}</td>
                    <td className={td}>{r.executor}</td>
                    <td className={td}>{r.version}</td>
                    <td className={td}>
                      {r.currentJobs} / {r.concurrency}
                    </td>
                    <td className={td}>{formatDate(r.lastContactAt)}</td>
                    <td className={td}>
                      <RunnerActions id={r.id} name={r.name} paused={r.paused} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </Table>
          }
          <PageNumberPager page={data.page} hasMore={data.hasMore} href={(p) => `/admin/runners?page=${p}`} />
        </section>
        <section aria-labelledby="reg-heading">
          <h2 id="reg-heading" className="mb-2 text-lg font-semibold">
            Registration tokens
          </h2>
          {data.registrationTokens.length === 0 ?
            <p className="text-sm text-gray-500">None yet.</p>
          : <Table label="Registration tokens">
              <thead>
                <tr>
                  <th className={th}>Token</th>
                  <th className={th}>Used for</th>
                  <th className={th}>Created</th>
                  <th className={th}></th>
                </tr>
              </thead>
              <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
                {data.registrationTokens.map((t) => (
                  <tr key={t.id}>
                    <td className={`${td} font-mono`}>{t.tokenPrefix}…</td>
                    <td className={td}>{t.description}</td>
                    <td className={td}>{formatDate(t.createdAt)}</td>
                    <td className={td}>
                      {t.revokedAt ?
                        <Badge tone="red">Revoked</Badge>
                      : <RevokeRegistrationToken id={t.id} />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </Table>
          }
        </section>
      </div>
    </>
  );
}
