import { NewScheduleForm, PipelineLink, ScheduleActions } from "@/components/farm/schedules";
import { Badge, Breadcrumbs, EmptyState, PageHeader, Table, formatDate, td, th } from "@/components/ui";
import { api, orNotFound } from "@/server/api/server";

export const metadata = { title: "Build schedules" };

export default async function FarmSchedulesPage() {
  const caller = await api();
  const data = await orNotFound(caller.farmBuilds.schedules());
  const catalog = data.canManage ? await caller.farm.adminCatalog() : null;
  return (
    <>
      <Breadcrumbs items={[{ label: "Build farm", href: "/farm" }, { label: "Schedules" }]} />
      <PageHeader
        title="Build schedules"
        description="Builds that start by themselves: daily, weekly, monthly or on a cron expression (UTC), or after every change to build-profiles on the environment's branch. A failed build tells the administrators which package broke."
      />
      {catalog && <NewScheduleForm environments={catalog.environments.map((e) => e.name)} arches={catalog.architectures.map((a) => a.keyword)} />}
      {data.items.length === 0 ?
        <EmptyState title="No schedules yet">{data.canManage ? "Add one above." : "Administrators add them."}</EmptyState>
      : <Table label="Schedules">
          <thead>
            <tr>
              <th className={th}>Target</th>
              <th className={th}>Environment / arch</th>
              <th className={th}>When</th>
              <th className={th}>Last run</th>
              <th className={th}>Next run</th>
              {data.canManage && <th className={th} />}
            </tr>
          </thead>
          <tbody>
            {data.items.map((s) => (
              <tr key={s.id}>
                <td className={td}>
                  {s.target} {s.isStack && <Badge>stack</Badge>} {s.variant === "clean" && <Badge tone="amber">clean</Badge>}{" "}
                  {!s.enabled && <Badge tone="gray">paused</Badge>}
                </td>
                <td className={td}>
                  {s.environment} / {s.arch}
                </td>
                <td className={`${td} font-mono text-xs`}>{s.trigger === "merge" ? "on merge" : s.trigger}</td>
                <td className={td}>
                  {s.lastRunAt ? formatDate(s.lastRunAt) : "never"} <PipelineLink id={s.lastPipelineId} />
                  {s.lastError && <p className="text-xs text-red-600">{s.lastError}</p>}
                </td>
                <td className={td}>
                  {s.nextRunAt ?
                    formatDate(s.nextRunAt)
                  : s.trigger === "merge" ?
                    "next change"
                  : "—"}
                </td>
                {data.canManage && (
                  <td className={td}>
                    <ScheduleActions id={s.id} enabled={s.enabled} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </Table>
      }
    </>
  );
}
