import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { hrefWith, PageNumberPager } from "@/components/pager";
import { seconds, StatusBadge } from "@/components/runners/status";
import { buttonClass, Breadcrumbs, cx, EmptyState, formatDate, inputClass, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "Pipelines" };

const statuses = ["pending", "running", "success", "failed", "canceled"] as const;

export default async function PipelinesPage({
  searchParams,
}: {
  searchParams: Promise<{ page?: string; status?: string; org?: string; source?: string; ref?: string; q?: string }>;
}) {
  const sp = await searchParams;
  const page = Math.max(1, Number(sp.page) || 1);
  const status = statuses.find((s) => s === sp.status);
  const org = sp.org && /^[a-z0-9-]{1,100}$/.test(sp.org) ? sp.org : undefined;
  const source = sp.source?.slice(0, 50) || undefined;
  const ref = sp.ref?.slice(0, 255) || undefined;
  const q = sp.q?.trim().slice(0, 100) || undefined;
  const data = await orNotFound((await api()).runners.pipelines({ page, status, org, source, ref, q }));
  const link = (over: Record<string, string | undefined>) => hrefWith("/pipelines", { status, org, source, ref, q, ...over });
  const filters = { org, source, ref, q };
  return (
    <>
      <Breadcrumbs items={[{ label: "Pipelines" }]} />
      <PageHeader
        title="Pipelines"
        description="Sets of build jobs run by the runners, newest first."
        actions={
          data.canRun ?
            <Link href="/pipelines/new" className={buttonClass.primary}>
              Run pipeline
            </Link>
          : undefined
        }
      />
      <form method="get" action="/pipelines" role="search" aria-label="Pipelines" className="mb-3 flex gap-2 text-sm">
        {Object.entries({ status, org, source, ref }).map(([k, v]) => v && <input key={k} type="hidden" name={k} value={v} />)}
        <input name="q" defaultValue={q} placeholder="Repository, profile or name" aria-label="Search pipelines" className={`${inputClass} max-w-xs`} />
        <button type="submit" className={buttonClass.secondary}>
          Search
        </button>
      </form>
      <nav aria-label="Filter by status" className="mb-3 flex flex-wrap gap-2 text-sm">
        {[undefined, ...statuses].map((s) => (
          <Link
            key={s ?? "all"}
            href={link({ status: s })}
            aria-current={s === status ? "page" : undefined}
            className={cx("rounded-md px-2 py-1", s === status ? "bg-brand-50 font-medium text-brand-700" : "text-gray-600 hover:bg-gray-100")}
          >
            {s ?? "all"}
          </Link>
        ))}
        {Object.entries(filters).map(
          ([k, v]) =>
            v && (
              <Link
                key={k}
                href={link({ [k]: undefined })}
                className="rounded-md px-2 py-1 text-gray-600 hover:bg-gray-100"
                aria-label={`Remove the ${k} filter`}
              >
                {k}: {v} ✕
              </Link>
            ),
        )}
      </nav>
      {data.rows.length === 0 ?
        <EmptyState title="No pipelines">
          {status || org || source || ref || q ? "None match the filter." : "Pipelines appear here once builds run."}
        </EmptyState>
      : <Table label="Pipelines">
          <thead>
            <tr>
              <th className={th}>Pipeline</th>
              <th className={th}>Status</th>
              <th className={th}>Organization</th>
              <th className={th}>Source</th>
              <th className={th}>Jobs</th>
              <th className={th}>Created</th>
              <th className={th}>Queued</th>
              <th className={th}>Duration</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
            {data.rows.map((p) => (
              <tr key={p.id}>
                <td className={td}>
                  <Link href={`/pipelines/${p.id}`} className="text-brand-600 hover:underline">
                    #{p.number} {p.name}
                  </Link>
                  {p.ref && (
                    <div>
                      <Link href={link({ ref: p.ref, page: undefined })} className="font-mono text-xs text-gray-500 hover:underline">
                        {p.ref}
                      </Link>
                    </div>
                  )}
                </td>
                <td className={td}>
                  <StatusBadge status={p.status} />
                </td>
                <td className={td}>
                  {p.orgSlug ?
                    <Link href={link({ org: p.orgSlug, page: undefined })} className="hover:underline">
                      {p.orgSlug}
                    </Link>
                  : "—"}
                </td>
                <td className={td}>
                  <Link href={link({ source: p.source, page: undefined })} className="hover:underline">
                    {p.source}
                  </Link>
                </td>
                <td className={td}>{p.jobs}</td>
                <td className={td}>{formatDate(p.createdAt)}</td>
                <td className={td}>{seconds(p.createdAt, p.startedAt)}</td>
                <td className={td}>{p.startedAt ? seconds(p.startedAt, p.finishedAt) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      }
      <PageNumberPager page={data.page} hasMore={data.hasMore} href={(n) => link({ page: String(n) })} />
    </>
  );
}
