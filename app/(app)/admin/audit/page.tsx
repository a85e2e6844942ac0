import { api, orNotFound } from "@/server/api/server";
import { AuditLog, parseAuditSearch, type AuditSearch } from "@/components/audit/audit-log";
import { Breadcrumbs, PageHeader } from "@/components/ui";

export const metadata = { title: "Audit log · Admin area" };

export default async function AdminAuditPage({ searchParams }: { searchParams: Promise<AuditSearch> }) {
  const { filters, problems } = parseAuditSearch(await searchParams);
  const caller = await api();
  const [page, actions] = await orNotFound(Promise.all([caller.audit.list(filters), caller.audit.actions({})]));
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Audit log" }]} />
      <PageHeader title="Audit log" description="Every change on this instance: who, what, when, in which organization, and whether it succeeded." />
      <AuditLog path="/admin/audit" filters={filters} problems={problems} actions={actions} events={page.items} nextCursor={page.nextCursor} showOrg />
    </>
  );
}
