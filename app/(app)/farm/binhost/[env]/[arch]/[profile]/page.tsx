import { api, orNotFound } from "@/server/api/server";
import { formatBytes } from "@/components/ui";
import { PageNumberPager } from "@/components/pager";
import { Badge, Breadcrumbs, PageHeader, Table, buttonClass, formatDate, td, th } from "@/components/ui";

export const metadata = { title: "Published packages" };

type Params = { env: string; arch: string; profile: string };

export default async function FarmPublicationPage({ params, searchParams }: { params: Promise<Params>; searchParams: Promise<{ page?: string }> }) {
  const { env, arch, profile } = await params;
  const page = Math.max(1, Math.min(10_000, Number((await searchParams).page) || 1));
  const { publication, items, hasMore, changes, previousAt } = await orNotFound((await api()).farm.publication({ environment: env, arch, profile, page }));
  const base = `/packages/${env}/gentoo/${arch}/${profile}`;
  return (
    <>
      <Breadcrumbs
        items={[{ label: "Build farm", href: "/farm" }, { label: "Binary packages", href: "/farm/binhost" }, { label: `${env} / ${arch} / ${profile}` }]}
      />
      <PageHeader
        title={`${profile} (${env}, ${arch})`}
        description={
          <>
            {publication.packageCount} packages, {formatBytes(publication.bytes)}, published {formatDate(publication.createdAt)}
            {publication.inherited > 0 && <>; {publication.inherited} more come from the parent profiles&apos; binhosts</>}. emerge reads{" "}
            <code>{base}/Packages</code>.{" "}
            {publication.signingKey ?
              <>
                Signed (GLEP 78) with key <code>{publication.signingKey}</code> —{" "}
                <a className="text-brand-600 underline" href={`/packages/${env}/gentoo/signing-key.asc`}>
                  public key
                </a>
                .
              </>
            : <>Not signed.</>}
          </>
        }
        actions={
          <>
            <a className={buttonClass.secondary} href={`/farm/builds/${env}/${arch}/${profile}/published`}>
              Build {publication.number} · all builds
            </a>{" "}
            <a className={buttonClass.secondary} href={`${base}/`}>
              Open the binhost directory
            </a>
          </>
        }
      />
      {previousAt && (
        <section aria-labelledby="changes-heading" className="mb-6">
          <h2 id="changes-heading" className="mb-2 text-lg font-semibold">
            Changes since the previous build ({formatDate(previousAt)})
          </h2>
          {changes.length === 0 ?
            <p className="text-sm text-gray-600 dark:text-gray-400">Same packages as before.</p>
          : <ul className="space-y-0.5 text-sm" aria-label="Changes since the previous build">
              {changes.map((c) => (
                <li key={`${c.package}-${c.kind}-${c.from}-${c.to}`}>
                  <Badge
                    tone={
                      c.kind === "added" ? "green"
                      : c.kind === "removed" ?
                        "red"
                      : c.kind === "rebuilt" ?
                        "gray"
                      : "blue"
                    }
                  >
                    {c.kind}
                  </Badge>{" "}
                  <span className="font-mono">{c.package}</span> {c.from && c.to && c.from !== c.to ? `${c.from} → ${c.to}` : (c.to ?? c.from)}
                </li>
              ))}
            </ul>
          }
        </section>
      )}
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
          {items.map((p) => (
            <tr key={p.path}>
              <td className={td}>
                <a className="font-mono text-sm text-brand-600 hover:underline" href={`${base}/${p.path}`}>
                  {p.cpv}
                </a>
              </td>
              <td className={td}>{p.slot}</td>
              <td className={td}>{p.buildId}</td>
              <td className={td}>{formatBytes(p.size)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      <PageNumberPager page={page} hasMore={hasMore} href={(n) => `/farm/binhost/${env}/${arch}/${profile}?page=${n}`} />
    </>
  );
}
