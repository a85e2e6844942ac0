import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { formatSize } from "@/components/farm/format";
import { Breadcrumbs, EmptyState, PageHeader, Table, formatDate, td, th } from "@/components/ui";

export const metadata = { title: "Binary packages" };

export default async function FarmBinhostPage() {
  const live = await orNotFound((await api()).farm.binhost({}));
  return (
    <>
      <Breadcrumbs items={[{ label: "Build farm", href: "/farm" }, { label: "Binary packages" }]} />
      <PageHeader
        title="Binary packages"
        description={
          <>
            What each profile publishes for emerge at <code>/packages/&lt;environment&gt;/gentoo/&lt;arch&gt;/&lt;profile&gt;/</code> (a portage{" "}
            <code>Packages</code> index and the <code>.gpkg.tar</code> files). Application profiles hold only the packages their parents lack.
          </>
        }
      />
      {live.length === 0 ? (
        <EmptyState title="Nothing published yet">A profile&apos;s packages appear here after its first successful build.</EmptyState>
      ) : (
        <Table label="Published binhosts">
          <thead>
            <tr>
              <th className={th}>Environment</th>
              <th className={th}>Architecture</th>
              <th className={th}>Profile</th>
              <th className={th}>Packages</th>
              <th className={th}>Size</th>
              <th className={th}>Published</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
            {live.map((p) => (
              <tr key={p.id}>
                <td className={td}>{p.environment}</td>
                <td className={td}>{p.arch}</td>
                <td className={td}>
                  <Link className="font-medium text-brand-600 hover:underline" href={`/farm/binhost/${p.environment}/${p.arch}/${p.profile}`}>
                    {p.profile}
                  </Link>
                </td>
                <td className={td}>
                  {p.packageCount}
                  {p.inherited > 0 && <span className="text-xs text-gray-500"> (+{p.inherited} from parents)</span>}
                </td>
                <td className={td}>{formatSize(p.bytes)}</td>
                <td className={td}>{formatDate(p.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
