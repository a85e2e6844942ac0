import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { PageNumberPager, hrefWith, SearchBox } from "@/components/pager";
import { CertStateBadge } from "@/components/pki/cert-state";
import { OrgCertTabs } from "@/components/pki/pki-tabs";
import { RequestForm } from "@/components/pki/request-form";
import { Card, EmptyState, formatDate, Table, td, th } from "@/components/ui";

export const metadata = { title: "Certificates" };

const states = ["pending", "issued", "revoked", "rejected"] as const;
type State = (typeof states)[number];

export default async function CertificatesPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ q?: string; state?: string; page?: string; renew?: string }>;
}) {
  const { slug } = await params;
  const sp = await searchParams;
  const state = states.includes(sp.state as State) ? (sp.state as State) : undefined;
  const page = Math.max(1, Number.parseInt(sp.page ?? "1", 10) || 1);
  const trpc = await api();
  const [overview, list, me] = await Promise.all([
    orNotFound(trpc.pki.overview({ slug })),
    orNotFound(trpc.pki.list({ slug, state, q: sp.q, page })),
    trpc.me.get(),
  ]);
  const queue = overview.canManage ? await trpc.pki.list({ slug, state: "pending", page: 1 }) : null;
  const renewing = sp.renew && /^[0-9a-f-]{36}$/.test(sp.renew) ? await trpc.pki.get({ slug, id: sp.renew }).catch(() => null) : null;
  const renewal =
    renewing?.canRenew ?
      {
        id: renewing.cert.id,
        caId: overview.cas.find((c) => c.name === renewing.cert.ca)?.id ?? "",
        commonName: renewing.cert.commonName,
        sans: renewing.cert.sans
          .filter((s) => s.value !== renewing.cert.commonName.toLowerCase())
          .map((s) => s.value)
          .join(", "),
      }
    : undefined;
  const path = `/orgs/${slug}/certificates`;
  return (
    <div className="space-y-8">
      {overview.canManagePuppet && <OrgCertTabs slug={slug} active="certs" />}
      <h2 className="text-lg font-semibold">Certificates</h2>

      {queue && queue.certs.length > 0 && (
        <section aria-labelledby="queue-heading">
          <h3 id="queue-heading" className="mb-2 font-semibold">
            Waiting for approval ({queue.total})
          </h3>
          <CertTable slug={slug} certs={queue.certs} label="Requests waiting for approval" />
        </section>
      )}

      <section aria-labelledby="request-heading">
        <Card className="p-4">
          <h3 id="request-heading" className="mb-3 font-semibold">
            {renewal ? "Renew certificate" : "Request certificate"}
          </h3>
          <RequestForm key={renewal?.id ?? "new"} slug={slug} cas={overview.cas} renewal={renewal} myEmail={me.email} />
        </Card>
      </section>

      <section aria-labelledby="list-heading">
        <h3 id="list-heading" className="mb-2 font-semibold">
          {list.all ? "The organization's certificates" : "Your certificates"}
        </h3>
        <nav aria-label="Filter by state" className="mb-2 flex flex-wrap gap-3 text-sm">
          {[undefined, ...states].map((s) => (
            <Link
              key={s ?? "all"}
              href={hrefWith(path, { state: s, q: sp.q })}
              className={s === state ? "font-semibold underline" : "text-brand-600 hover:underline"}
            >
              {s ?? "all"}
            </Link>
          ))}
        </nav>
        <SearchBox path={path} q={sp.q} label="Search certificates" placeholder="Subject, name or serial" hidden={{ state }} />
        {list.certs.length === 0 ?
          <EmptyState title="No certificates">{sp.q || state ? "Nothing matches this filter." : "Request one above."}</EmptyState>
        : <CertTable slug={slug} certs={list.certs} label="Certificates" />}
        <PageNumberPager page={page} hasMore={page * list.pageSize < list.total} href={(n) => hrefWith(path, { state, q: sp.q, page: n })} />
      </section>
    </div>
  );
}

type Row = {
  id: string;
  commonName: string;
  ca: string;
  state: State;
  serial: string | null;
  notAfter: Date | null;
  daysLeft: number | null;
  requester: string | null;
  createdAt: Date;
  sans: { value: string }[];
};

function CertTable({ slug, certs, label }: { slug: string; certs: Row[]; label: string }) {
  return (
    <Table label={label}>
      <thead>
        <tr>
          <th className={th}>Common name</th>
          <th className={th}>CA</th>
          <th className={th}>State</th>
          <th className={th}>Requested by</th>
          <th className={th}>Expires</th>
          <th className={th}>Serial</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
        {certs.map((c) => (
          <tr key={c.id}>
            <td className={td}>
              <Link className="text-brand-600 hover:underline" href={`/orgs/${slug}/certificates/${c.id}`}>
                {c.commonName}
              </Link>
              {c.sans.length > 1 && <div className="text-xs text-gray-500">{c.sans.map((s) => s.value).join(", ")}</div>}
            </td>
            <td className={td}>{c.ca}</td>
            <td className={td}>
              <CertStateBadge state={c.state} daysLeft={c.daysLeft} />
            </td>
            <td className={td}>{c.requester ?? "—"}</td>
            <td className={td}>{c.notAfter ? formatDate(c.notAfter) : "—"}</td>
            <td className={td}>
              <code className="text-xs">{c.serial ?? "—"}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
