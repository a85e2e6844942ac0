import { notFound } from "next/navigation";
import { api, orNotFound } from "@/server/api/server";
import { AutoRefresh, JobActions } from "@/components/runners/job-actions";
import { LogView } from "@/components/runners/log-view";
import { seconds, StatusBadge } from "@/components/runners/status";
import { Breadcrumbs, Card, formatBytes, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "Job" };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!/^[0-9a-f-]{36}$/.test(id)) notFound();
  const j = await orNotFound((await api()).runners.job({ id }));
  const live = ["created", "queued", "running"].includes(j.status);
  return (
    <>
      <AutoRefresh active={j.status === "created" || j.status === "queued"} />
      <Breadcrumbs
        items={[
          { label: "Pipelines", href: "/pipelines" },
          { label: `#${j.pipeline.number} ${j.pipeline.name}`, href: `/pipelines/${j.pipelineId}` },
          { label: j.name },
        ]}
      />
      <PageHeader
        title={j.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <StatusBadge status={j.status} stuck={j.stuck} />
            <span>
              attempt {j.attempt} of {j.maxAttempts}
            </span>
            {j.runnerName && <span>on {j.runnerName}</span>}
            {j.arch && <span>arch {j.arch}</span>}
            {j.tags.length > 0 && <span>tags {j.tags.join(", ")}</span>}
            <span>· queued {seconds(j.queuedAt, j.startedAt)}</span>
            {j.startedAt && <span>· ran {seconds(j.startedAt, j.finishedAt)}</span>}
            {j.exitCode !== null && <span>· exit {j.exitCode}</span>}
          </span>
        }
        actions={<JobActions id={j.id} status={j.status} canManage={j.canManage} />}
      />
      {j.failureReason && j.status !== "success" && <p className="mb-3 text-sm text-red-600">{j.failureReason}</p>}
      {j.needs.length > 0 && <p className="mb-3 text-sm text-gray-600">Needs: {j.needs.join(", ")}</p>}
      <LogView jobId={j.id} live={live} />
      <section aria-labelledby="artifacts-heading" className="mt-6">
        <h2 id="artifacts-heading" className="mb-2 text-lg font-semibold">
          Artifacts
        </h2>
        {j.artifacts.length === 0 ?
          <Card className="p-4 text-sm text-gray-500">
            {j.artifactPaths.length ? `None yet (${j.artifactPaths.join(", ")})` : "This job publishes no artifacts."}
          </Card>
        : <Table label="Artifacts">
            <thead>
              <tr>
                <th className={th}>File</th>
                <th className={th}>Size</th>
                <th className={th}>sha256</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {j.artifacts.map((a) => (
                <tr key={a.id}>
                  <td className={td}>
                    {/* a plain link: a file download, not a page for the client router */}
                    <a href={`/api/builds/artifacts/${a.id}`} download className="text-brand-600 hover:underline">
                      {a.name}
                    </a>
                  </td>
                  <td className={td}>{formatBytes(a.size)}</td>
                  <td className={`${td} font-mono text-xs`}>{a.sha256.slice(0, 16)}…</td>
                </tr>
              ))}
            </tbody>
          </Table>
        }
      </section>
    </>
  );
}
