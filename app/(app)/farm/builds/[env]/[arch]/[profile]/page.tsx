import Link from "next/link";
import { notFound } from "next/navigation";
import { BarChart } from "@/components/farm/charts";
import { seconds, StatusBadge, type BuildStatus } from "@/components/runners/status";
import { Breadcrumbs, EmptyState, formatBytes, formatDate, PageHeader, Table, td, th } from "@/components/ui";
import { api, orNotFound } from "@/server/api/server";
import { SourceCommit } from "@/components/farm/source-commit";

type Props = { params: Promise<{ env: string; arch: string; profile: string }> };

export async function generateMetadata({ params }: Props) {
  const { env, arch, profile } = await params;
  return { title: `${profile} · ${env}/${arch}` };
}

const valid = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export default async function FarmTargetHistoryPage({ params }: Props) {
  const { env, arch, profile } = await params;
  if (![env, arch, profile].every((s) => valid.test(s))) notFound();
  const { builds, publications } = await orNotFound((await api()).farmBuilds.history({ environment: env, arch, profile }));
  const durations = [...builds]
    .reverse()
    .filter((b) => b.startedAt && b.finishedAt)
    .map((b) => ({ value: (b.finishedAt!.getTime() - b.startedAt!.getTime()) / 1000, title: formatDate(b.createdAt), failed: b.status === "failed" }));
  const counts = [...publications].reverse().map((p) => ({ value: p.packages, title: formatDate(p.createdAt) }));
  return (
    <>
      <Breadcrumbs
        items={[{ label: "Build farm", href: "/farm" }, { label: "Build matrix", href: "/farm/builds" }, { label: `${profile} · ${env}/${arch}` }]}
      />
      <PageHeader
        title={`${profile} in ${env} for ${arch}`}
        description={
          <>
            The last {builds.length} builds. Packages:{" "}
            <Link className="text-brand-600 underline" href={`/farm/binhost/${env}/${arch}/${profile}`}>
              the live binhost
            </Link>
            ,{" "}
            <Link className="text-brand-600 underline" href={`/farm/builds/${env}/${arch}/${profile}/published`}>
              its published builds
            </Link>
            .
          </>
        }
      />
      {builds.length === 0 ?
        <EmptyState title="Never built">No farm build of this target yet.</EmptyState>
      : <>
          <div className="mb-6 flex flex-wrap gap-8">
            <BarChart label="Build duration" values={durations} format={(s) => seconds(new Date(0), new Date(s * 1000))} />
            <BarChart label="Packages published" values={counts} format={(n) => String(n)} tone="#16a34a" />
          </div>
          <Table label="Builds">
            <thead>
              <tr>
                <th className={th}>Status</th>
                <th className={th}>Started</th>
                <th className={th}>Duration</th>
                <th className={th}>Built from</th>
                <th className={th}>Job</th>
              </tr>
            </thead>
            <tbody>
              {builds.map((b) => (
                <tr key={b.jobId}>
                  <td className={td}>
                    <StatusBadge status={b.status as BuildStatus} /> {b.failureReason && <span className="text-xs text-red-600">{b.failureReason}</span>}
                  </td>
                  <td className={td}>{formatDate(b.startedAt ?? b.createdAt)}</td>
                  <td className={td}>{seconds(b.startedAt, b.finishedAt)}</td>
                  <td className={td}>
                    <SourceCommit repo="gentoo" label="tree" commit={b.treeCommit} empty={<span className="text-gray-500">—</span>} />
                    {b.overlayCommit && (
                      <>
                        {" · "}
                        <SourceCommit repo="overlay" label="overlay" commit={b.overlayCommit} empty={<span className="text-gray-500">—</span>} />
                      </>
                    )}
                  </td>
                  <td className={td}>
                    <Link href={`/jobs/${b.jobId}`} className="text-brand-600 hover:underline">
                      log
                    </Link>{" "}
                    ·{" "}
                    <Link href={`/pipelines/${b.pipelineId}`} className="text-brand-600 hover:underline">
                      pipeline
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          {publications[0] && (
            <p className="mt-3 text-sm text-gray-600 dark:text-gray-400">
              Live since {formatDate(publications[0].createdAt)}: {publications[0].packages} packages, {formatBytes(publications[0].bytes)}.
            </p>
          )}
        </>
      }
    </>
  );
}
