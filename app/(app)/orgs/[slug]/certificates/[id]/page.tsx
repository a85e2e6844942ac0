import Link from "next/link";
import { notFound } from "next/navigation";
import { api, orNotFound } from "@/server/api/server";
import { CertActions } from "@/components/pki/cert-actions";
import { CertStateBadge } from "@/components/pki/cert-state";
import { KeptKeyCard } from "@/components/pki/kept-key";
import { buttonClass, Card, formatDate } from "@/components/ui";

export const metadata = { title: "Certificate" };

export default async function CertificatePage({ params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  if (!/^[0-9a-f-]{36}$/.test(id)) notFound();
  const d = await orNotFound((await api()).pki.get({ slug, id }));
  const c = d.cert;
  const rows: [string, React.ReactNode][] = [
    [
      "Subject",
      <code key="s" className="text-xs">
        {c.subjectDn}
      </code>,
    ],
    ["Names", c.sans.map((s) => `${s.type.toUpperCase()}:${s.value}`).join(", ") || "—"],
    ["Certificate authority", c.ca],
    ["Key", c.keyDescription],
    [
      "Serial",
      c.serial ?
        <code key="n" className="text-xs">
          {c.serial}
        </code>
      : "—",
    ],
    ["Valid", c.notBefore ? `${formatDate(c.notBefore)} – ${formatDate(c.notAfter)}` : `${c.validityDays} days once issued`],
    ["Requested", `${formatDate(c.createdAt)}${c.requester ? ` by ${c.requester}` : ""}`],
  ];
  if (c.revokedAt) rows.push(["Revoked", `${formatDate(c.revokedAt)} (${c.revocationReason})`]);
  if (c.rejectReason) rows.push(["Rejected because", c.rejectReason]);
  return (
    <div className="space-y-6">
      <div className="flex items-center gap-3">
        <Link href={`/orgs/${slug}/certificates`} className="text-sm text-brand-600 hover:underline">
          ← Certificates
        </Link>
      </div>
      <div className="flex items-center gap-3">
        <h2 className="text-lg font-semibold">{c.commonName}</h2>
        <CertStateBadge state={c.state} daysLeft={c.daysLeft} />
      </div>
      <Card className="p-4">
        <dl className="grid grid-cols-[12rem_1fr] gap-x-4 gap-y-2 text-sm">
          {rows.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="font-medium text-gray-600 dark:text-gray-400">{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </Card>
      {c.renewalOf === null && d.canRenew && (
        <Link className={buttonClass.secondary} href={`/orgs/${slug}/certificates?renew=${c.id}`}>
          Renew
        </Link>
      )}
      {c.renewalOf !== null && d.canRenew && (
        <Link className={buttonClass.secondary} href={`/orgs/${slug}/certificates?renew=${c.id}`}>
          Renew again
        </Link>
      )}
      <KeptKeyCard id={c.id} name={c.commonName} state={c.state} certPem={d.certPem} chainPem={d.chainPem} />
      <CertActions slug={slug} id={c.id} name={c.commonName} certPem={d.certPem} chainPem={d.chainPem} canApprove={d.canApprove} canRevoke={d.canRevoke} />
    </div>
  );
}
