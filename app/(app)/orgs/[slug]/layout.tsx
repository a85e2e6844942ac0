import type { ReactNode } from "react";
import { orgView } from "@/server/api/server";
import { Alert, Badge, Breadcrumbs, RoleBadge } from "@/components/ui";

export default async function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { org, role } = await orgView(slug);
  return (
    <div>
      <Breadcrumbs
        items={[
          { label: "Organizations", href: "/" },
          { label: org.name, href: `/orgs/${org.slug}` },
        ]}
      />
      <div className="mb-4 flex items-center gap-3">
        <h1 className="text-2xl font-semibold">{org.name}</h1>
        <RoleBadge role={role} />
        {org.source === "ldap" && <Badge>LDAP</Badge>}
      </div>
      {org.archivedAt && (
        <div className="mb-4">
          <Alert tone="warning">This organization is archived: everything in it is read-only.</Alert>
        </div>
      )}
      {children}
    </div>
  );
}
