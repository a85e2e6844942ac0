import Link from "next/link";
import { notFound } from "next/navigation";
import { NotesEditor, RollbackButton, TagEditor } from "@/components/farm/published-builds";
import { Markdown } from "@/components/markdown";
import { Alert, Badge, Breadcrumbs, PageHeader, Table, formatBytes, formatDate, td, th } from "@/components/ui";
import { changeText } from "@/lib/package-change";
import { api, orNotFound } from "@/server/api/server";
import { SourceCommit } from "@/components/farm/source-commit";

type Props = { params: Promise<{ env: string; arch: string; profile: string; number: string }> };

export async function generateMetadata({ params }: Props) {
  const { env, arch, profile, number } = await params;
  return { title: `Build ${number} · ${profile} · ${env}/${arch}` };
}

const valid = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** One published build: notes, tags, where it came from, what changed, its packages; admins tag it and roll back to it. */
export default async function PublishedBuildPage({ params }: Props) {
  const { env, arch, profile, number: n } = await params;
  if (![env, arch, profile].every((s) => valid.test(s)) || !/^\d{1,9}$/.test(n) || Number(n) < 1) notFound();
  const t = { environment: env, arch, profile };
  const b = await orNotFound((await api()).publishedBuilds.get({ ...t, number: Number(n) }));
  const base = `/farm/builds/${env}/${arch}/${profile}/published`;
  return (
    <>
      <Breadcrumbs
        items={[
          { label: "Build farm", href: "/farm" },
          { label: `${profile} · ${env}/${arch}`, href: `/farm/builds/${env}/${arch}/${profile}` },
          { label: "Published builds", href: base },
          { label: `Build ${b.number}` },
        ]}
      />
      <PageHeader
        title={`Build ${b.number} of ${profile} (${env}, ${arch})`}
        description={
          <>
            Published {formatDate(b.createdAt)}: {b.packageCount} packages, {formatBytes(b.bytes)}
            {b.inherited > 0 && <> ({b.inherited} more from the parent profiles)</>}
            {b.signingKey ?
              <>
                , signed with <code>{b.signingKey}</code>
              </>
            : ", unsigned"}
            .{" "}
            {b.live ?
              <Badge tone="green">live</Badge>
            : <span>Live is build {b.liveNumber ?? "—"}.</span>}{" "}
            {b.tags.map((x) => (
              <Badge key={x} tone="purple">
                @{x}
              </Badge>
            ))}
          </>
        }
        actions={b.canRollback && !b.live && !b.removedAt ? <RollbackButton target={t} number={b.number} /> : undefined}
      />
      {b.removedAt && (
        <Alert tone="warning">Retention deleted this build&apos;s files on {formatDate(b.removedAt)}: it cannot be served, tagged or rolled back to.</Alert>
      )}

      <section aria-labelledby="source-heading" className="mb-6 text-sm">
        <h2 id="source-heading" className="mb-1 text-lg font-semibold">
          Built from
        </h2>
        {b.job ?
          <p className="space-x-3">
            <SourceCommit repo="gentoo" label="tree" commit={b.job.treeCommit} />
            <SourceCommit repo="overlay" label="overlay" commit={b.job.overlayCommit} />
            <Link className="text-brand-600 hover:underline" href={`/jobs/${b.jobId}`}>
              build log
            </Link>
            <Link className="text-brand-600 hover:underline" href={`/pipelines/${b.job.pipelineId}`}>
              pipeline
            </Link>
            {b.job.vdbArtifactId ?
              <a className="text-brand-600 hover:underline" href={`/api/builds/artifacts/${b.job.vdbArtifactId}`} download>
                /var/db/pkg snapshot
              </a>
            : <span className="text-gray-500">/var/db/pkg snapshot expired</span>}
          </p>
        : <p className="text-gray-600 dark:text-gray-400">Uploaded (published with the binhost API or the CLI, not built by the farm).</p>}
      </section>

      <section aria-labelledby="notes-heading" className="mb-6">
        <h2 id="notes-heading" className="mb-1 text-lg font-semibold">
          Notes
        </h2>
        {b.notes ?
          <Markdown source={b.notes} />
        : <p className="text-sm text-gray-600 dark:text-gray-400">No notes.</p>}
        {b.canManage && (
          <div className="mt-2">
            <NotesEditor target={t} number={b.number} notes={b.notes} />
          </div>
        )}
      </section>

      {b.canManage && !b.removedAt && (
        <section aria-labelledby="tags-heading" className="mb-6">
          <h2 id="tags-heading" className="mb-1 text-lg font-semibold">
            Tags
          </h2>
          <TagEditor target={t} number={b.number} tags={b.tags} />
        </section>
      )}

      {b.previousNumber !== null && (
        <section aria-labelledby="changes-heading" className="mb-6">
          <h2 id="changes-heading" className="mb-1 text-lg font-semibold">
            Changes since build {b.previousNumber}
          </h2>
          {b.changes.length === 0 ?
            <p className="text-sm text-gray-600 dark:text-gray-400">Same packages.</p>
          : <ul className="space-y-0.5 font-mono text-sm" aria-label={`Changes since build ${b.previousNumber}`}>
              {b.changes.map((c) => (
                <li key={`${c.package}-${c.kind}-${c.from}-${c.to}`}>
                  {c.kind}: {changeText(c)}
                </li>
              ))}
            </ul>
          }
        </section>
      )}

      {!b.removedAt && (
        <>
          <h2 className="mb-2 text-lg font-semibold">Packages</h2>
          <Table label="Packages">
            <thead>
              <tr>
                <th className={th}>Package</th>
                <th className={th}>Slot</th>
                <th className={th}>Build</th>
                <th className={th}>Size</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {b.packages.map((p) => (
                <tr key={p.path}>
                  <td className={`${td} font-mono text-sm`}>{p.cpv}</td>
                  <td className={td}>{p.slot}</td>
                  <td className={td}>{p.buildId}</td>
                  <td className={td}>{formatBytes(p.size)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
    </>
  );
}
