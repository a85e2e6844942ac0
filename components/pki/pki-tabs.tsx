import { TabNav } from "@/components/tab-nav";

/** Admin → PKI: the CA hierarchy and the Puppet CA's agents. */
export function AdminPkiTabs({ active }: { active: "cas" | "puppet" }) {
  return (
    <TabNav
      label="PKI"
      className="mb-6"
      active={active}
      tabs={[
        { id: "cas", label: "Certificate authorities", href: "/admin/pki" },
        { id: "puppet", label: "Puppet agents", href: "/admin/pki/puppet" },
      ]}
    />
  );
}

/** An org's certificates and, for its leaders, its puppet agents. */
export function OrgCertTabs({ slug, active }: { slug: string; active: "certs" | "puppet" }) {
  return (
    <TabNav
      label="Certificates"
      className="mb-6"
      active={active}
      tabs={[
        { id: "certs", label: "Certificates", href: `/orgs/${slug}/certificates` },
        { id: "puppet", label: "Puppet agents", href: `/orgs/${slug}/certificates/puppet` },
      ]}
    />
  );
}
