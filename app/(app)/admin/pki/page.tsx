import { api, orNotFound } from "@/server/api/server";
import { AdminCas } from "@/components/pki/admin-cas";
import { AdminPkiTabs } from "@/components/pki/pki-tabs";
import { Alert, Breadcrumbs, formatDate, PageHeader } from "@/components/ui";

export const metadata = { title: "PKI · Admin area" };

export default async function AdminPkiPage() {
  const trpc = await api();
  const [cas, status] = await Promise.all([orNotFound(trpc.pki.cas()), orNotFound(trpc.pki.adminStatus())]);
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "PKI" }]} />
      <PageHeader
        title="PKI"
        description={
          <>
            The root and level-1 CAs stay offline: only their certificates and CRLs are imported here. Level-2 sub-CAs keep their keys in Rookery, encrypted.
            CRLs are published at <code>/pki/&lt;ca&gt;/crl</code>, OCSP answers at <code>/pki/ocsp</code>.
          </>
        }
      />
      <AdminPkiTabs active="cas" />
      {status.staleCrls.map((c) => (
        <div key={c.name} className="mb-4">
          <Alert tone="warning">
            <strong>
              The {c.name} CRL {c.expired ? "has run out" : `runs out in ${c.daysLeft} day${c.daysLeft === 1 ? "" : "s"}`} ({formatDate(c.nextUpdate)}).
            </strong>{" "}
            {c.advice}
          </Alert>
        </div>
      ))}
      <AdminCas cas={cas} portalUrl={status.portalUrl} />
    </>
  );
}
