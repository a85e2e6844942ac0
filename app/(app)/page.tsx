import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { Badge, Card, EmptyState, PageHeader, RoleBadge } from "@/components/ui";

export const metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const caller = await api();
  const [me, orgs] = await orNotFound(Promise.all([caller.me.get(), caller.orgs.mine()]));
  return (
    <>
      <PageHeader title="Your organizations" description={`Signed in as ${me.displayName}`} />
      {orgs.length === 0 ?
        <EmptyState title="You are not in any organization yet">
          {me.isAdmin ?
            <>
              Create one in the{" "}
              <Link className="text-brand-600 underline" href="/admin/orgs">
                admin area
              </Link>
              , or run an LDAP sync to import the directory&apos;s organizations.
            </>
          : <>Ask an organization leader or an administrator to add you, or wait for the next directory sync.</>}
        </EmptyState>
      : <ul aria-label="Your organizations" className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
          {orgs.map((o) => (
            <li key={o.id}>
              <Card className="p-4 hover:border-brand-500">
                <div className="flex items-start justify-between gap-2">
                  <Link href={`/orgs/${o.slug}`} className="font-semibold text-brand-700 hover:underline dark:text-brand-100">
                    {o.name}
                  </Link>
                  <RoleBadge role={o.role} />
                </div>
                {o.description && <p className="mt-1 line-clamp-2 text-sm text-gray-600 dark:text-gray-400">{o.description}</p>}
                <div className="mt-3 flex items-center gap-2 text-xs text-gray-500">
                  <span>
                    {o.memberCount} member{o.memberCount === 1 ? "" : "s"}
                  </span>
                  {o.source === "ldap" && <Badge>LDAP</Badge>}
                  {o.archivedAt && <Badge tone="amber">Archived</Badge>}
                </div>
              </Card>
            </li>
          ))}
        </ul>
      }
    </>
  );
}
