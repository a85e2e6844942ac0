import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { StartCatalystStage, StartStageBuild } from "@/components/farm/stages";
import { StatusBadge, type BuildStatus } from "@/components/runners/status";
import { Breadcrumbs, EmptyState, formatBytes, formatDate, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "Stages · Admin area" };

const link = "text-brand-600 underline";
const dir = (s: { environment: string; arch: string; name: string }) => `/stages/${s.environment}/${s.arch}/${s.name}`;

function LatestStage({ stage }: { stage: { environment: string; arch: string; name: string; fileName: string; stamp: string } | null }) {
  return stage ?
      <a className={link} href={`${dir(stage)}/${stage.fileName}`}>
        {stage.stamp}
      </a>
    : "—";
}

function LastRun({ run }: { run: { id: string; status: string; createdAt: Date } | null }) {
  return run ?
      <Link href={`/pipelines/${run.id}`} className="inline-flex items-center gap-2">
        <StatusBadge status={run.status as BuildStatus} />
        <span className="text-xs text-gray-500">{formatDate(run.createdAt)}</span>
      </Link>
    : "—";
}

export default async function AdminStagesPage() {
  const { targets, stacks, stages } = await orNotFound((await api()).farmBuilds.stages());
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Build farm", href: "/admin/farm" }, { label: "Stages" }]} />
      <PageHeader
        title="Stages"
        description={
          <>
            A stage3 per environment × architecture × system profile, assembled by a runner tagged <code>gentoo</code> from the profile&apos;s binhost (
            <code>emerge --usepkgonly --getbinpkg --root</code>), packed as <code>stage3-&lt;arch&gt;-&lt;profile&gt;-&lt;stamp&gt;.tar.xz</code> with
            Gentoo&apos;s DIGESTS (SHA512, BLAKE2B). Rookery checks the DIGESTS against the tarball, signs both with the environment&apos;s key and serves them
            under <code>/stages/&lt;env&gt;/&lt;arch&gt;/&lt;profile&gt;/</code> with <code>latest-stage3.txt</code> and <code>latest.tar.xz</code>. A failed or
            mismatching stage publishes nothing; <code>latest</code> stays. Build the profile&apos;s packages first.
          </>
        }
      />
      <section aria-labelledby="targets-heading" className="mb-10">
        <h2 id="targets-heading" className="mb-2 text-lg font-semibold">
          System profiles
        </h2>
        {targets.length === 0 ?
          <EmptyState title="No system profiles">Environments take their profiles from infrastructure/build-profiles.</EmptyState>
        : <Table label="Stages per environment, architecture and system profile">
            <thead>
              <tr>
                <th className={th}>Environment</th>
                <th className={th}>Arch</th>
                <th className={th}>Profile</th>
                <th className={th}>Latest</th>
                <th className={th}>Size</th>
                <th className={th}>Last run</th>
                <th className={th}></th>
              </tr>
            </thead>
            <tbody>
              {targets.map((t) => (
                <tr key={`${t.environment}/${t.arch}/${t.profile}`} className="border-t border-gray-200 dark:border-gray-800">
                  <td className={td}>{t.environment}</td>
                  <td className={td}>{t.arch}</td>
                  <td className={td}>{t.profile}</td>
                  <td className={td}>
                    <LatestStage stage={t.latest} />
                    {t.published > 1 && <span className="ml-1 text-xs text-gray-500">({t.published} published)</span>}
                  </td>
                  <td className={td}>{t.latest ? formatBytes(t.latest.bytes) : "—"}</td>
                  <td className={td}>
                    <LastRun run={t.lastRun} />
                  </td>
                  <td className={td}>
                    <span className="inline-flex flex-wrap gap-2">
                      <StartStageBuild target={{ environment: t.environment, arch: t.arch, profile: t.profile }} />
                      <StartCatalystStage target={{ environment: t.environment, arch: t.arch, profile: t.profile }} label="Build with catalyst" />
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        }
      </section>
      <section aria-labelledby="stacks-heading" className="mb-10">
        <h2 id="stacks-heading" className="mb-2 text-lg font-semibold">
          Stacks (stage4, catalyst)
        </h2>
        <p className="mb-3 text-sm text-gray-600 dark:text-gray-400">
          A stage4 per stack: its system profile plus its application profiles&apos; packages, its <code>services</code> and <code>kernel</code>, built by
          catalyst on a runner tagged <code>catalyst</code>, seeded with the system profile&apos;s latest stage3.
        </p>
        {stacks.length === 0 ?
          <EmptyState title="No stacks">Stacks are files in infrastructure/build-profiles (stacks/&lt;name&gt;.yaml).</EmptyState>
        : <Table label="Stage4 per environment, architecture and stack">
            <thead>
              <tr>
                <th className={th}>Environment</th>
                <th className={th}>Arch</th>
                <th className={th}>Stack</th>
                <th className={th}>Latest</th>
                <th className={th}>Last run</th>
                <th className={th}></th>
              </tr>
            </thead>
            <tbody>
              {stacks.map((t) => (
                <tr key={`${t.environment}/${t.arch}/${t.stack}`} className="border-t border-gray-200 dark:border-gray-800">
                  <td className={td}>{t.environment}</td>
                  <td className={td}>{t.arch}</td>
                  <td className={td}>{t.stack}</td>
                  <td className={td}>
                    <LatestStage stage={t.latest} />
                  </td>
                  <td className={td}>
                    <LastRun run={t.lastRun} />
                  </td>
                  <td className={td}>
                    <StartCatalystStage target={{ environment: t.environment, arch: t.arch, stack: t.stack }} label="Build stage4" />
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        }
      </section>
      <section aria-labelledby="published-heading">
        <h2 id="published-heading" className="mb-2 text-lg font-semibold">
          Published stages
        </h2>
        {stages.length === 0 ?
          <EmptyState title="No stages yet">Use “Build stage” above once the profile&apos;s packages are published.</EmptyState>
        : <Table label="Published stages">
            <thead>
              <tr>
                <th className={th}>File</th>
                <th className={th}>Size</th>
                <th className={th}>Digests</th>
                <th className={th}>Signed by</th>
                <th className={th}>Published</th>
              </tr>
            </thead>
            <tbody>
              {stages.map((s) => (
                <tr key={s.id} className="border-t border-gray-200 dark:border-gray-800">
                  <td className={td}>
                    <a className={link} href={`${dir(s)}/${s.fileName}`}>
                      {s.fileName}
                    </a>
                    <div className="text-xs text-gray-500">
                      {s.environment}/{s.arch}/{s.name}
                    </div>
                  </td>
                  <td className={td}>{formatBytes(s.bytes)}</td>
                  <td className={td}>
                    <div className="font-mono text-xs" title={`SHA512 ${s.sha512}\nBLAKE2B ${s.blake2b}`}>
                      SHA512 {s.sha512.slice(0, 16)}…
                    </div>
                    <a className={`${link} text-xs`} href={`${dir(s)}/${s.fileName}.DIGESTS`}>
                      DIGESTS
                    </a>
                    {s.signingKey && (
                      <>
                        {" · "}
                        <a className={`${link} text-xs`} href={`${dir(s)}/${s.fileName}.asc`}>
                          signature
                        </a>
                      </>
                    )}
                  </td>
                  <td className={td}>
                    {s.signingKey ?
                      <code className="text-xs">{s.signingKey.slice(-16)}</code>
                    : "unsigned"}
                  </td>
                  <td className={td}>
                    {formatDate(s.createdAt)}
                    {s.jobId && (
                      <Link className={`${link} ml-2 text-xs`} href={`/jobs/${s.jobId}`}>
                        job
                      </Link>
                    )}
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
