import { api, orNotFound } from "@/server/api/server";
import { AdminCas } from "@/components/pki/admin-cas";
import { AdminPkiTabs } from "@/components/pki/pki-tabs";
import { Breadcrumbs, PageHeader } from "@/components/ui";

export const metadata = { title: "PKI · Admin area" };

export default async function AdminPkiPage() {
  const cas = await orNotFound((await api()).pki.cas());
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
      <AdminCas cas={cas} />
    </>
  );
}
