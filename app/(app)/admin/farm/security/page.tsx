import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { ScanGlsaButton } from "@/components/farm/glsa";
import { PageNumberPager } from "@/components/pager";
import { Alert, Badge, Breadcrumbs, EmptyState, formatDateSeconds, PageHeader, Table, td, th } from "@/components/ui";

export const metadata = { title: "Security advisories · Admin area" };

const severityTone = { high: "red", normal: "amber", low: "blue" } as const;

function Severity({ value }: { value: string }) {
  return <Badge tone={severityTone[value as keyof typeof severityTone] ?? "gray"}>{value}</Badge>;
}

function pageOf(v: string | undefined) {
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1;
}

type Row = {
  id: string;
  glsaId: string;
  title: string;
  severity: string;
  bugs: string[];
  environment: string;
  arch: string;
  profile: string;
  cpv: string;
  fixedBy: string | null;
  firstSeenAt: Date;
  resolvedAt: Date | null;
};

function Matches({ rows, label, resolved }: { rows: Row[]; label: string; resolved: boolean }) {
  return (
    <Table label={label}>
      <thead>
        <tr>
          <th className={th}>Advisory</th>
          <th className={th}>Severity</th>
          <th className={th}>Binhost</th>
          <th className={th}>Published package</th>
          <th className={th}>Fixed by</th>
          <th className={th}>First seen</th>
          {resolved && <th className={th}>Resolved</th>}
        </tr>
      </thead>
      <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
        {rows.map((m) => (
          <tr key={m.id} className="align-top">
            <td className={td}>
              <a className="text-brand-600 underline" href={`https://security.gentoo.org/glsa/${m.glsaId}`} rel="noreferrer">
                GLSA {m.glsaId}
              </a>
              <div className="text-sm">{m.title}</div>
              {m.bugs.length > 0 && <div className="text-xs text-gray-500">bugs {m.bugs.join(", ")}</div>}
            </td>
            <td className={td}>
              <Severity value={m.severity} />
            </td>
            <td className={td}>
              <Link className="text-brand-600 underline" href={`/packages/${m.environment}/gentoo/${m.arch}/${m.profile}/`}>
                {m.environment}/{m.arch}/{m.profile}
              </Link>
            </td>
            <td className={td}>
              <code>{m.cpv}</code>
            </td>
            <td className={td}>
              {m.fixedBy ?
                <code>{m.fixedBy}</code>
              : <span className="text-gray-500">no fixed version yet</span>}
            </td>
            <td className={td}>{formatDateSeconds(m.firstSeenAt)}</td>
            {resolved && <td className={td}>{formatDateSeconds(m.resolvedAt)}</td>}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

export default async function AdminFarmSecurityPage({ searchParams }: { searchParams: Promise<{ open?: string; resolved?: string }> }) {
  const sp = await searchParams;
  const openPage = pageOf(sp.open);
  const resolvedPage = pageOf(sp.resolved);
  const caller = await api();
  const pageSize = 50;
  const data = await orNotFound(caller.farmSecurity.overview({ openOffset: (openPage - 1) * pageSize, resolvedOffset: (resolvedPage - 1) * pageSize }));
  const last = data.lastScan;
  const link = (p: { open?: number; resolved?: number }) => {
    const q = new URLSearchParams();
    const o = p.open ?? openPage;
    const r = p.resolved ?? resolvedPage;
    if (o > 1) q.set("open", String(o));
    if (r > 1) q.set("resolved", String(r));
    const s = q.toString();
    return `/admin/farm/security${s ? `?${s}` : ""}`;
  };
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Build farm", href: "/admin/farm" }, { label: "Security advisories" }]} />
      <PageHeader
        title="Security advisories"
        description={
          <>
            Gentoo&apos;s security advisories (GLSAs, <code>metadata/glsa</code> of each environment&apos;s{" "}
            <Link className="text-brand-600 underline" href="/admin/farm/tree">
              portage tree
            </Link>{" "}
            branch) matched against the packages of every live binhost publication, as <code>glsa-check</code> would. Scanned after every publication and tree
            sync, daily, and on &quot;Scan now&quot;. An advisory is resolved once a build without the vulnerable version is published.
          </>
        }
        actions={<ScanGlsaButton latest={last ? { id: last.id, status: "completed" } : null} />}
      />
      <p className="mb-6 text-sm text-gray-600 dark:text-gray-400">
        {last ?
          <>
            Last scan {formatDateSeconds(last.finishedAt)} ({last.trigger}): {last.advisories} advisories, {last.publications} publications, {last.open} open,{" "}
            {last.newMatches} new, {last.resolved} resolved.
          </>
        : "No scan yet."}
      </p>
      {last && last.errors.length > 0 && (
        <section aria-labelledby="glsa-errors-heading" className="mb-8">
          <h2 id="glsa-errors-heading" className="mb-2 text-lg font-semibold">
            Scan errors
          </h2>
          <Alert tone="warning">
            {last.errors.length} advisor{last.errors.length === 1 ? "y was" : "ies were"} skipped:
            <ul className="mt-1 list-disc pl-5">
              {last.errors.slice(0, 100).map((e, i) => (
                <li key={i}>
                  {e.environment} ({e.branch}){e.file && <code> {e.file}</code>}: {e.message}
                </li>
              ))}
            </ul>
          </Alert>
        </section>
      )}
      <section aria-labelledby="glsa-open-heading" className="mb-10">
        <h2 id="glsa-open-heading" className="mb-2 text-lg font-semibold">
          Open ({data.open.total})
        </h2>
        {data.open.items.length ?
          <Matches rows={data.open.items} label="Open advisories" resolved={false} />
        : <EmptyState title="No published package is affected">No live publication has a version an advisory calls vulnerable.</EmptyState>}
        <PageNumberPager page={openPage} hasMore={data.open.hasMore} href={(n) => link({ open: n })} />
      </section>
      <section aria-labelledby="glsa-resolved-heading">
        <h2 id="glsa-resolved-heading" className="mb-2 text-lg font-semibold">
          Resolved ({data.resolved.total})
        </h2>
        {data.resolved.items.length ?
          <Matches rows={data.resolved.items} label="Resolved advisories" resolved />
        : <p className="text-sm text-gray-500">Nothing resolved yet.</p>}
        <PageNumberPager page={resolvedPage} hasMore={data.resolved.hasMore} href={(n) => link({ resolved: n })} />
      </section>
    </>
  );
}
