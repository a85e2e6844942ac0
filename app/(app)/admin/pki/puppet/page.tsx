import { AdminPkiTabs } from "@/components/pki/pki-tabs";
import { PuppetAgents } from "@/components/pki/puppet-agents";
import { Breadcrumbs, PageHeader } from "@/components/ui";

export const metadata = { title: "Puppet agents · PKI · Admin area" };

export default async function AdminPuppetPage({ searchParams }: { searchParams: Promise<{ q?: string; state?: string; page?: string }> }) {
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "PKI", href: "/admin/pki" }, { label: "Puppet agents" }]} />
      <PageHeader
        title="PKI"
        description={
          <>
            Agents bootstrap against the Puppet CA API (<code>ca_server</code> = this host, port <code>PUPPET_CA_PORT</code>). A host pre-authorized with a
            one-time token is signed at once; every other request waits here.
          </>
        }
      />
      <AdminPkiTabs active="puppet" />
      <PuppetAgents path="/admin/pki/puppet" searchParams={await searchParams} />
    </>
  );
}
