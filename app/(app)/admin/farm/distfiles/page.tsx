import { api, orNotFound } from "@/server/api/server";
import { DeleteDistfileButton, PageLinks } from "@/components/farm/distfiles";
import { Badge, Breadcrumbs, Card, EmptyState, formatBytes, formatDate, inputClass, PageHeader, Table, td, th, buttonClass } from "@/components/ui";

export const metadata = { title: "Distfiles · Admin area" };

export default async function AdminDistfilesPage({ searchParams }: { searchParams: Promise<{ page?: string; q?: string }> }) {
  const { page: pageParam, q = "" } = await searchParams;
  const page = Math.max(1, Number.parseInt(pageParam ?? "1", 10) || 1);
  const { stats, files, config } = await orNotFound((await api()).distfiles.adminOverview({ page, query: q || undefined }));
  const pages = Math.max(1, Math.ceil(files.total / files.perPage));
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Build farm", href: "/admin/farm" }, { label: "Distfiles" }]} />
      <PageHeader
        title="Distfiles"
        description={
          <>
            Source tarballs the ebuilds fetch, mirrored at <code>{config.mirror}/distfiles/</code> in Gentoo&apos;s layout. Builds and hosts use{" "}
            <code>GENTOO_MIRRORS=&quot;{config.mirror}&quot;</code>. A file not stored yet is downloaded once from <code>{config.upstreams.join(" ")}</code> (
            <code>DISTFILES_UPSTREAM_MIRRORS</code>) or the ebuild&apos;s SRC_URI, and kept only when its size, BLAKE2B and SHA512 match a Manifest of
            infrastructure/gentoo or infrastructure/overlay. Public files unused for {config.retentionDays} days are removed (
            <code>DISTFILES_RETENTION_DAYS</code>, schedule <code>{config.pruneCron}</code> UTC); organizations&apos; private uploads stay until deleted.
          </>
        }
      />
      <section aria-label="Summary" className="mb-8 grid grid-cols-2 gap-4 md:grid-cols-4">
        <Card>
          <div className="text-xs uppercase text-gray-500">Files</div>
          <div className="text-2xl font-semibold">{stats.files}</div>
        </Card>
        <Card>
          <div className="text-xs uppercase text-gray-500">Total size</div>
          <div className="text-2xl font-semibold">{formatBytes(stats.storedBytes)}</div>
        </Card>
        <Card>
          <div className="text-xs uppercase text-gray-500">Hit rate ({stats.days} days)</div>
          <div className="text-2xl font-semibold">{stats.hitRate === null ? "—" : `${(stats.hitRate * 100).toFixed(1)} %`}</div>
          <div className="text-xs text-gray-500">
            {stats.hits} from the store, {stats.fetches} fetched upstream
          </div>
        </Card>
        <Card>
          <div className="text-xs uppercase text-gray-500">Refused ({stats.days} days)</div>
          <div className="text-2xl font-semibold">{stats.refused}</div>
          <div className="text-xs text-gray-500">no Manifest entry, or no upstream had matching bytes</div>
        </Card>
      </section>
      <section aria-labelledby="distfiles-heading">
        <h2 id="distfiles-heading" className="mb-2 text-lg font-semibold">
          Stored files
        </h2>
        <form className="mb-3 flex gap-2" action="/admin/farm/distfiles">
          <input className={inputClass} name="q" defaultValue={q} placeholder="File name contains…" aria-label="File name contains" />
          <button className={buttonClass.secondary} type="submit">
            Search
          </button>
        </form>
        {files.rows.length === 0 ?
          <EmptyState title={q ? "No stored file matches" : "No distfile stored yet"}>Files appear here once a build or host fetched them.</EmptyState>
        : <Table label="Stored distfiles">
            <thead>
              <tr>
                <th className={th}>File</th>
                <th className={th}>Owner</th>
                <th className={th}>Size</th>
                <th className={th}>Hits</th>
                <th className={th}>Last use</th>
                <th className={th}>Stored</th>
                <th className={th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {files.rows.map((f) => (
                <tr key={f.id}>
                  <td className={td}>
                    <div className="font-mono text-xs">{f.filename}</div>
                    <div className="text-xs text-gray-500" title={f.blake2b}>
                      {f.source === "upload" ? "uploaded" : f.source}
                    </div>
                  </td>
                  <td className={td}>
                    {f.org ?
                      <Badge tone="purple">{f.org} (private)</Badge>
                    : <Badge>public</Badge>}
                  </td>
                  <td className={td}>{formatBytes(f.size)}</td>
                  <td className={td}>{f.hits}</td>
                  <td className={td}>{formatDate(f.lastUsedAt)}</td>
                  <td className={td}>{formatDate(f.createdAt)}</td>
                  <td className={`${td} text-right`}>
                    <DeleteDistfileButton id={f.id} filename={f.filename} />
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        }
        <PageLinks path="/admin/farm/distfiles" params={{ q: q || undefined }} page={files.page} pages={pages} />
      </section>
    </>
  );
}
