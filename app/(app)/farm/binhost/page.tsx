import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { ProfileMatrix } from "@/components/farm/profile-matrix";
import { Breadcrumbs, EmptyState, PageHeader, formatBytes, formatDate } from "@/components/ui";

export const metadata = { title: "Binary packages" };

export default async function FarmBinhostPage() {
  const live = await orNotFound((await api()).farm.binhost({}));
  // The matrix: a row per profile, a column per environment × architecture.
  const envOrder = ["development", "staging", "production"];
  const rank = (env: string) => (envOrder.includes(env) ? envOrder.indexOf(env) : envOrder.length);
  const columns = [...new Set(live.map((p) => `${p.environment}/${p.arch}`))].sort(
    (a, b) => rank(a.split("/")[0]) - rank(b.split("/")[0]) || a.localeCompare(b),
  );
  const profiles = [...new Set(live.map((p) => p.profile))].sort();
  const cell = new Map(live.map((p) => [`${p.environment}/${p.arch}/${p.profile}`, p]));
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
      {live.length === 0 ?
        <EmptyState title="Nothing published yet">A profile&apos;s packages appear here after its first successful build.</EmptyState>
      : <ProfileMatrix
          label="Published binhosts"
          columns={columns}
          profiles={profiles}
          columnLabel={(c) => c.replace("/", " · ")}
          cell={(profile, c) => {
            const p = cell.get(`${c}/${profile}`);
            return p ?
                <>
                  <Link
                    className="text-brand-600 hover:underline"
                    href={`/farm/binhost/${p.environment}/${p.arch}/${p.profile}`}
                    aria-label={`${p.profile} in ${p.environment} for ${p.arch}`}
                  >
                    {p.packageCount} package{p.packageCount === 1 ? "" : "s"}
                  </Link>
                  <div className="text-xs text-gray-500">
                    {formatBytes(p.bytes)} · {formatDate(p.createdAt)}
                    {p.inherited > 0 && ` · +${p.inherited} from parents`}
                  </div>
                </>
              : null;
          }}
        />
      }
    </>
  );
}
