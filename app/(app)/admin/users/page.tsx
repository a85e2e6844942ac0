import { api, orNotFound } from "@/server/api/server";
import { NewUserForm } from "@/components/admin/new-user-form";
import { UserActions } from "@/components/admin/user-actions";
import { UserEdit } from "@/components/admin/user-edit";
import { Pager, SearchBox } from "@/components/pager";
import { Badge, Breadcrumbs, EmptyState, PageHeader, Table, formatDate, td, th } from "@/components/ui";

export const metadata = { title: "Users · Admin area" };

type Search = Promise<{ q?: string; cursor?: string }>;

export default async function AdminUsersPage({ searchParams }: { searchParams: Search }) {
  const { q = "", cursor } = await searchParams;
  const caller = await api();
  const [me, page] = await orNotFound(Promise.all([caller.me.get(), caller.admin.users({ q, cursor })]));
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Users" }]} />
      <PageHeader title="Users" description="Local accounts and accounts from the directory. LDAP users appear after their first sign-in or a sync." />
      <NewUserForm />
      <SearchBox path="/admin/users" q={q} label="Search users" placeholder="Username or name" />
      {page.items.length === 0 ?
        <EmptyState title={q ? `No user matches “${q}”` : "No users"}>
          {q ? "Try part of the username or name." : "Create a local user above or run an LDAP sync."}
        </EmptyState>
      : <Table label="Users">
          <thead>
            <tr>
              <th className={th}>User</th>
              <th className={th}>Email</th>
              <th className={th}>Source</th>
              <th className={th}>Last sign-in</th>
              <th className={th}>Status</th>
              <th className={`${th} text-right`}>Actions</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 bg-white dark:divide-gray-700 dark:bg-gray-800">
            {page.items.map((u) => (
              <tr key={u.id} aria-label={u.username}>
                <td className={td}>
                  <div className="font-medium">{u.displayName}</div>
                  <div className="text-xs text-gray-500">@{u.username}</div>
                </td>
                <td className={td}>{u.email ?? "—"}</td>
                <td className={td}>
                  <Badge tone={u.source === "ldap" ? "blue" : "gray"}>{u.source === "ldap" ? "LDAP" : "Local"}</Badge>
                </td>
                <td className={td}>{u.lastLoginAt ? formatDate(u.lastLoginAt) : "Never"}</td>
                <td className={td}>
                  <span className="flex flex-wrap gap-1">
                    {u.isAdmin && <Badge tone="purple">Admin</Badge>}
                    {u.disabledAt ?
                      <Badge tone="red">Disabled</Badge>
                    : <Badge tone="green">Active</Badge>}
                  </span>
                </td>
                <td className={`${td} text-right`}>
                  {u.id === me.id ?
                    <span className="text-xs text-gray-500">This is you</span>
                  : <>
                      <UserActions
                        user={{ id: u.id, username: u.username, isAdmin: u.isAdmin, disabled: u.disabledAt !== null, lockedOut: u.lockedOut, source: u.source }}
                      />
                      {u.source === "local" && <UserEdit user={{ id: u.id, username: u.username, displayName: u.displayName, email: u.email }} />}
                    </>
                  }
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      }
      <Pager path="/admin/users" params={{ q }} atFirstPage={!cursor} nextCursor={page.nextCursor} />
    </>
  );
}
