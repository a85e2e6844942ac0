import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { formatBytes } from "@/components/ui";
import { hrefWith, PageNumberPager, SearchBox } from "@/components/pager";
import { Breadcrumbs, EmptyState, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "Package search" };

export default async function FarmSearchPage({ searchParams }: { searchParams: Promise<{ q?: string | string[]; page?: string }> }) {
  const sp = await searchParams;
  const q = (Array.isArray(sp.q) ? sp.q[0] : sp.q)?.trim().slice(0, 200) ?? "";
  const page = Math.max(1, Math.min(1000, Number(sp.page) || 1));
  const result = q.length >= 2 ? await orNotFound((await api()).farm.search({ q, page })) : null;
  return (
    <>
      <Breadcrumbs items={[{ label: "Build farm", href: "/farm" }, { label: "Package search" }]} />
      <PageHeader
        title="Package search"
        description="Which environments, architectures and profiles publish a package: search by category, name or version (dev-db/mysql-8.0)."
      />
      <SearchBox path="/farm/search" q={q} label="Package" placeholder="dev-db/mysql-8.0" />
      {q.length === 1 && <p className="text-sm text-gray-600">Type at least two characters.</p>}
      {result &&
        (result.items.length === 0 ?
          <EmptyState title="No published package matches">Only the live binhost of each profile is searched.</EmptyState>
        : <>
            <Table label="Packages found">
              <thead>
                <tr>
                  <th className={th}>Package</th>
                  <th className={th}>Environment</th>
                  <th className={th}>Architecture</th>
                  <th className={th}>Profile</th>
                  <th className={th}>Size</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
                {result.items.map((p) => (
                  <tr key={`${p.environment}/${p.arch}/${p.profile}/${p.path}`}>
                    <td className={td}>
                      <a
                        className="font-mono text-sm text-brand-600 hover:underline"
                        href={`/packages/${p.environment}/gentoo/${p.arch}/${p.profile}/${p.path}`}
                      >
                        {p.cpv}
                      </a>
                    </td>
                    <td className={td}>{p.environment}</td>
                    <td className={td}>{p.arch}</td>
                    <td className={td}>
                      <Link className="text-brand-600 hover:underline" href={`/farm/binhost/${p.environment}/${p.arch}/${p.profile}`}>
                        {p.profile}
                      </Link>
                    </td>
                    <td className={td}>{formatBytes(p.size)}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <PageNumberPager page={page} hasMore={result.hasMore} href={(n) => hrefWith("/farm/search", { q, page: n })} />
          </>)}
    </>
  );
}
