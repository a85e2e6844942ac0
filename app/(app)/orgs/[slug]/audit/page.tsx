import { api, orNotFound } from "@/server/api/server";
import { AuditLog, parseAuditSearch, type AuditSearch } from "@/components/audit/audit-log";

export const metadata = { title: "Audit log" };

export default async function OrgAuditPage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<AuditSearch> }) {
  const { slug } = await params;
  const { filters, problems } = parseAuditSearch(await searchParams);
  const caller = await api();
  const [page, actions] = await orNotFound(Promise.all([caller.audit.list({ ...filters, slug }), caller.audit.actions({ slug })]));
  return (
    <section aria-labelledby="audit-heading" className="space-y-4">
      <h2 id="audit-heading" className="text-lg font-semibold">
        Audit log
      </h2>
      <AuditLog
        path={`/orgs/${slug}/audit`}
        filters={filters}
        problems={problems}
        actions={actions}
        events={page.items}
        nextCursor={page.nextCursor}
        showOrg={false}
      />
    </section>
  );
}
