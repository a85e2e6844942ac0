import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { ArchiveOrgButton } from "@/components/admin/archive-org-button";
import { Pager, SearchBox } from "@/components/pager";
import { Badge, Breadcrumbs, EmptyState, PageHeader, Table, buttonClass, td, th } from "@/components/ui";

export const metadata = { title: "Organizations · Admin area" };

type Search = Promise<{ q?: string; cursor?: string }>;

export default async function AdminOrgsPage({ searchParams }: { searchParams: Search }) {
  const { q = "", cursor } = await searchParams;
  const page = await orNotFound((await api()).admin.orgs({ q, cursor }));
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Organizations" }]} />
      <PageHeader
        title="Organizations"
        description="Every organization on this instance: synced from the directory or created here."
        actions={
          <Link href="/admin/orgs/new" className={buttonClass.primary}>
            New organization
          </Link>
        }
      />
      <SearchBox path="/admin/orgs" q={q} label="Search organizations" placeholder="Name or slug" />
      {page.items.length === 0 ?
        <EmptyState
          title={q ? `No organization matches “${q}”` : "No organizations yet"}
          action={
            !q && (
              <Link href="/admin/orgs/new" className={buttonClass.primary}>
                New organization
              </Link>
            )
          }
        >
          {q ? "Try part of the name or slug." : "Create a local organization, or run an LDAP sync to import the directory's organizations."}
        </EmptyState>
      : <Table label="Organizations">
          <thead>
            <tr>
              <th className={th}>Organization</th>
              <th className={th}>Members</th>
              <th className={th}>Source</th>
              <th className={th}>Status</th>
              <th className={`${th} text-right`}>Actions</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 bg-white dark:divide-gray-700 dark:bg-gray-800">
            {page.items.map((o) => (
              <tr key={o.id} aria-label={o.name}>
                <td className={td}>
                  <Link href={`/orgs/${o.slug}`} className="font-medium text-brand-700 hover:underline dark:text-brand-100">
                    {o.name}
                  </Link>
                  <div className="text-xs text-gray-500">{o.slug}</div>
                </td>
                <td className={td}>{o.memberCount}</td>
                <td className={td}>
                  <Badge tone={o.source === "ldap" ? "blue" : "gray"}>{o.source === "ldap" ? "LDAP" : "Local"}</Badge>
                </td>
                <td className={td}>
                  {o.archivedAt ?
                    <Badge tone="amber">Archived</Badge>
                  : <Badge tone="green">Active</Badge>}
                </td>
                <td className={`${td} text-right`}>
                  <ArchiveOrgButton slug={o.slug} name={o.name} archived={o.archivedAt !== null} />
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      }
      <Pager path="/admin/orgs" params={{ q }} atFirstPage={!cursor} nextCursor={page.nextCursor} />
    </>
  );
}
