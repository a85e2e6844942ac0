import Link from "next/link";
import { seconds, StatusBadge, type BuildStatus } from "@/components/runners/status";
import { ProfileMatrix } from "@/components/farm/profile-matrix";
import { Breadcrumbs, EmptyState, formatBytes, formatDate, PageHeader } from "@/components/ui";
import { api, orNotFound } from "@/server/api/server";

export const metadata = { title: "Build matrix" };

/** Environment × arch columns, one row per profile: the last build's status, age, duration and what it published. */
export default async function FarmBuildMatrixPage() {
  const cells = await orNotFound((await api()).farmBuilds.matrix());
  const columns = [...new Set(cells.map((c) => `${c.environment}/${c.arch}`))].sort();
  const profiles = [...new Set(cells.map((c) => c.profile))].sort();
  const at = new Map(cells.map((c) => [`${c.environment}/${c.arch}/${c.profile}`, c]));
  return (
    <>
      <Breadcrumbs items={[{ label: "Build farm", href: "/farm" }, { label: "Build matrix" }]} />
      <PageHeader
        title="Build matrix"
        description="The last build of every profile in each environment and architecture; a cell opens that target's history."
      />
      {cells.length === 0 ?
        <EmptyState title="No builds yet">Run a build from a profile's generated build page, or add a schedule.</EmptyState>
      : <ProfileMatrix
          label="Build matrix"
          columns={columns}
          profiles={profiles}
          cell={(p, col) => {
            const c = at.get(`${col}/${p}`);
            return c ?
                <Link href={`/farm/builds/${c.environment}/${c.arch}/${c.profile}`} className="block hover:underline" aria-label={`${p} ${col}: ${c.status}`}>
                  <StatusBadge status={c.status as BuildStatus} />
                  <span className="mt-0.5 block text-xs text-gray-600 dark:text-gray-400">
                    {formatDate(c.finishedAt ?? c.startedAt)} · {seconds(c.startedAt, c.finishedAt)}
                    {c.packages !== null && (
                      <>
                        {" "}
                        · {c.packages} packages, {formatBytes(c.bytes ?? 0)}
                      </>
                    )}
                  </span>
                </Link>
              : null;
          }}
        />
      }
    </>
  );
}
