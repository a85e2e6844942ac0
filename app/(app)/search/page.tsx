import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { SearchBox } from "@/components/pager";
import { Badge, Card, EmptyState, PageHeader, RoleBadge } from "@/components/ui";

export const metadata = { title: "Search" };

export default async function SearchPage({ searchParams }: { searchParams: Promise<{ q?: string | string[] }> }) {
  const raw = (await searchParams).q;
  const q = (Array.isArray(raw) ? raw[0] : raw)?.trim().slice(0, 100) ?? "";
  const { orgs, repos, mergeRequests, users } = await orNotFound((await api()).search.query({ q }));
  return (
    <>
      <PageHeader
        title="Search"
        description={q ? <>Results for “{q}”</> : "Find organizations, repositories and merge requests (by title or !number) you can see."}
      />
      <SearchBox path="/search" q={q} label="Search query" placeholder="Search…" />
      {q && (
        <div className="space-y-8">
          <section aria-labelledby="org-results">
            <h2 id="org-results" className="mb-2 text-lg font-semibold">
              Organizations{" "}
              <span className="text-sm font-normal text-gray-500">
                ({orgs.length}
                {orgs.length === 50 ? "+" : ""})
              </span>
            </h2>
            {orgs.length === 0 ?
              <EmptyState title="No organization matches">
                {users ?
                  "Check the spelling, or look in the admin area's organization list."
                : "Only organizations you belong to are searched. Ask a leader to add you if one is missing."}
              </EmptyState>
            : <ul aria-label="Organizations found" className="space-y-2">
                {orgs.map((o) => (
                  <li key={o.id}>
                    <Card className="flex items-start justify-between gap-3 px-4 py-3">
                      <div>
                        <Link href={`/orgs/${o.slug}`} className="font-semibold text-brand-700 hover:underline dark:text-brand-100">
                          {o.name}
                        </Link>
                        <span className="ml-2 text-xs text-gray-500">{o.slug}</span>
                        {o.description && <p className="mt-1 line-clamp-2 text-sm text-gray-600 dark:text-gray-400">{o.description}</p>}
                      </div>
                      <div className="flex shrink-0 items-center gap-2 text-xs text-gray-500">
                        <span>
                          {o.memberCount} member{o.memberCount === 1 ? "" : "s"}
                        </span>
                        <RoleBadge role={o.role} />
                        {o.source === "ldap" && <Badge>LDAP</Badge>}
                        {o.archivedAt && <Badge tone="amber">Archived</Badge>}
                      </div>
                    </Card>
                  </li>
                ))}
              </ul>
            }
          </section>
          <section aria-labelledby="repo-results">
            <h2 id="repo-results" className="mb-2 text-lg font-semibold">
              Repositories{" "}
              <span className="text-sm font-normal text-gray-500">
                ({repos.length}
                {repos.length === 50 ? "+" : ""})
              </span>
            </h2>
            {repos.length === 0 ?
              <EmptyState title="No repository matches">Repositories of your organizations are searched by name and description.</EmptyState>
            : <ul
                aria-label="Repositories found"
                className="divide-y divide-gray-200 rounded-lg border border-gray-200 dark:divide-gray-700 dark:border-gray-700"
              >
                {repos.map((r) => (
                  <li key={r.id} className="px-3 py-2 text-sm">
                    <Link
                      href={`/orgs/${r.orgSlug}/repos/${encodeURIComponent(r.name)}`}
                      className="font-medium text-brand-700 hover:underline dark:text-brand-100"
                    >
                      {r.orgSlug} / {r.name}
                    </Link>
                    {r.description && <span className="ml-2 text-gray-500">{r.description}</span>}
                  </li>
                ))}
              </ul>
            }
          </section>
          <section aria-labelledby="mr-results">
            <h2 id="mr-results" className="mb-2 text-lg font-semibold">
              Merge requests{" "}
              <span className="text-sm font-normal text-gray-500">
                ({mergeRequests.length}
                {mergeRequests.length === 50 ? "+" : ""})
              </span>
            </h2>
            {mergeRequests.length === 0 ?
              <EmptyState title="No merge request matches">Merge requests are searched by title, or by number as !12.</EmptyState>
            : <ul
                aria-label="Merge requests found"
                className="divide-y divide-gray-200 rounded-lg border border-gray-200 dark:divide-gray-700 dark:border-gray-700"
              >
                {mergeRequests.map((m) => (
                  <li key={m.id} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
                    <Link href={m.href} className="font-medium text-brand-700 hover:underline dark:text-brand-100">
                      {m.title}
                    </Link>
                    <span className="shrink-0 text-gray-500">
                      {m.orgSlug}/{m.repo}!{m.number} · {m.state}
                    </span>
                  </li>
                ))}
              </ul>
            }
          </section>
          {users && (
            <section aria-labelledby="user-results">
              <h2 id="user-results" className="mb-2 text-lg font-semibold">
                Users{" "}
                <span className="text-sm font-normal text-gray-500">
                  ({users.length}
                  {users.length === 50 ? "+" : ""})
                </span>
              </h2>
              {users.length === 0 ?
                <EmptyState title="No user matches">Search matches usernames, names and email addresses.</EmptyState>
              : <ul aria-label="Users found" className="divide-y divide-gray-200 rounded-lg border border-gray-200 dark:divide-gray-700 dark:border-gray-700">
                  {users.map((u) => (
                    <li key={u.id} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
                      <span>
                        <Link href={`/admin/users?q=${encodeURIComponent(u.username)}`} className="font-medium hover:underline">
                          {u.displayName}
                        </Link>{" "}
                        <span className="text-gray-500">@{u.username}</span> {u.email && <span className="text-gray-500">· {u.email}</span>}
                      </span>
                      <span className="flex gap-1">
                        <Badge tone={u.source === "ldap" ? "blue" : "gray"}>{u.source === "ldap" ? "LDAP" : "Local"}</Badge>
                        {u.isAdmin && <Badge tone="purple">Admin</Badge>}
                        {u.disabledAt && <Badge tone="red">Disabled</Badge>}
                      </span>
                    </li>
                  ))}
                </ul>
              }
            </section>
          )}
        </div>
      )}
    </>
  );
}
