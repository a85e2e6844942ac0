import Link from "next/link";
import { notFound } from "next/navigation";
import { api, orNotFound } from "@/server/api/server";
import { AutoRefresh, CancelPipeline } from "@/components/runners/job-actions";
import { PipelineGraph } from "@/components/runners/pipeline-graph";
import { seconds, StatusBadge } from "@/components/runners/status";
import { Breadcrumbs, Card, formatDate, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "Pipeline" };

export default async function PipelinePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/.test(id)) notFound();
  const p = await orNotFound((await api()).runners.pipeline({ id }));
  const active = p.status === "pending" || p.status === "running";
  return (
    <>
      <AutoRefresh active={active} />
      <Breadcrumbs items={[{ label: "Pipelines", href: "/pipelines" }, { label: `#${p.number}` }]} />
      <PageHeader
        title={`#${p.number} ${p.name}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <StatusBadge status={p.status} /> {p.orgSlug && <span>in {p.orgSlug}</span>} <span>from {p.source}</span>
            {p.ref && <code>{p.ref}</code>} <span>created {formatDate(p.createdAt)}</span>
            {p.startedAt && <span>· ran {seconds(p.startedAt, p.finishedAt)}</span>}
          </span>
        }
        actions={active ? <CancelPipeline id={p.id} /> : undefined}
      />
      <Card className="mb-6 overflow-x-auto p-4">
        <PipelineGraph jobs={p.jobs} />
      </Card>
      <Table label="Jobs">
        <thead>
          <tr>
            <th className={th}>Job</th>
            <th className={th}>Status</th>
            <th className={th}>Needs</th>
            <th className={th}>Runner</th>
            <th className={th}>Attempt</th>
            <th className={th}>Queued</th>
            <th className={th}>Duration</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
          {p.jobs.map((j) => (
            <tr key={j.id}>
              <td className={td}>
                <Link href={`/jobs/${j.id}`} className="text-brand-600 hover:underline">
                  {j.name}
                </Link>
                {j.failureReason && <div className="text-xs text-red-600">{j.failureReason}</div>}
              </td>
              <td className={td}>
                <StatusBadge status={j.status} stuck={j.stuck} />
              </td>
              <td className={td}>{j.needs.join(", ") || "—"}</td>
              <td className={td}>{j.runnerName ?? "—"}</td>
              <td className={td}>
                {j.attempt} / {j.maxAttempts}
              </td>
              <td className={td}>{j.queuedAt ? seconds(j.queuedAt, j.startedAt) : "—"}</td>
              <td className={td}>{j.startedAt ? seconds(j.startedAt, j.finishedAt) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}
