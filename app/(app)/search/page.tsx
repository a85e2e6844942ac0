import Link from "next/link";
import type { ReactNode } from "react";
import { api, orNotFound } from "@/server/api/server";
import { SearchBox } from "@/components/pager";
import { blobUrl } from "@/components/code/urls";
import { StatusBadge } from "@/components/runners/status";
import { Badge, Card, EmptyState, formatDate, PageHeader, RoleBadge } from "@/components/ui";

export const metadata = { title: "Search" };

const kinds = ["orgs", "repos", "code", "mergeRequests", "certificates", "pipelines", "users"] as const;
type Kind = (typeof kinds)[number];
/** Results per kind on the overview; "Show all" lists one kind with everything found. */
const PREVIEW = 10;
const LIMIT = 50;

const list = "divide-y divide-gray-200 rounded-lg border border-gray-200 dark:divide-gray-700 dark:border-gray-700";
const link = "font-medium text-brand-700 hover:underline dark:text-brand-100";

const searchHref = (q: string, kind?: Kind) => `/search?${new URLSearchParams(kind ? { q, kind } : { q })}`;

function Section<T>(props: {
  kind: Kind;
  title: string;
  items: T[];
  /** more exist than were found (a limit was reached) */
  capped: boolean;
  q: string;
  only: boolean;
  empty: ReactNode;
  render: (items: T[]) => ReactNode;
}) {
  const { kind, title, items, capped, q, only } = props;
  const shown = only ? items : items.slice(0, PREVIEW);
  return (
    <section aria-labelledby={`${kind}-results`}>
      <h2 id={`${kind}-results`} className="mb-2 text-lg font-semibold">
        {title}{" "}
        <span className="text-sm font-normal text-gray-500">
          ({items.length}
          {capped ? "+" : ""})
        </span>
      </h2>
      {items.length === 0 ? props.empty : props.render(shown)}
      {shown.length < items.length && (
        <p className="mt-2 text-sm">
          <Link href={searchHref(q, kind)} className={link}>
            Show all {items.length}
            {capped ? "+" : ""} {title.toLowerCase()} results
          </Link>
        </p>
      )}
      {only && capped && <p className="mt-2 text-sm text-gray-500">Only the first results are shown: make the query more precise to find the others.</p>}
    </section>
  );
}

/** The line with each match marked (React escapes the text). */
function Marked({ text, ranges }: { text: string; ranges: [number, number][] }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [a, b] of ranges) {
    parts.push(text.slice(at, a), <mark key={a}>{text.slice(a, b)}</mark>);
    at = b;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

export default async function SearchPage({ searchParams }: { searchParams: Promise<{ q?: string | string[]; kind?: string | string[] }> }) {
  const params = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const q = first(params.q)?.trim().slice(0, 100) ?? "";
  const kind = kinds.find((k) => k === first(params.kind));
  const r = await orNotFound((await api()).search.query({ q }));
  const show = (k: Kind) => !kind || kind === k;
  const common = { q, only: !!kind };
  return (
    <>
      <PageHeader
        title="Search"
        description={
          q && !r.tooShort ?
            <>Results for “{q}”</>
          : "Find organizations, repositories, code on default branches, merge requests (by title or !number), certificates (by name or serial) and pipelines (by ref, commit or #number) you can see."
        }
      />
      <SearchBox path="/search" q={q} label="Search query" placeholder="Search…" hidden={{ kind }} />
      {q && r.tooShort && (
        <p role="status" className="text-sm text-gray-600 dark:text-gray-400">
          Type at least 2 characters to search.
        </p>
      )}
      {q && !r.tooShort && (
        <div className="space-y-8">
          {kind && (
            <p className="text-sm">
              <Link href={searchHref(q)} className={link}>
                ← All results for “{q}”
              </Link>
            </p>
          )}
          {show("orgs") && (
            <Section
              {...common}
              kind="orgs"
              title="Organizations"
              items={r.orgs}
              capped={r.orgs.length === LIMIT}
              empty={
                <EmptyState title="No organization matches">
                  {r.users ?
                    "Check the spelling, or look in the admin area's organization list."
                  : "Only organizations you belong to are searched. Ask a leader to add you if one is missing."}
                </EmptyState>
              }
              render={(orgs) => (
                <ul aria-label="Organizations found" className="space-y-2">
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
              )}
            />
          )}
          {show("repos") && (
            <Section
              {...common}
              kind="repos"
              title="Repositories"
              items={r.repos}
              capped={r.repos.length === LIMIT}
              empty={<EmptyState title="No repository matches">Repositories of your organizations are searched by name and description.</EmptyState>}
              render={(repos) => (
                <ul aria-label="Repositories found" className={list}>
                  {repos.map((x) => (
                    <li key={x.id} className="px-3 py-2 text-sm">
                      <Link href={`/orgs/${x.orgSlug}/repos/${encodeURIComponent(x.name)}`} className={link}>
                        {x.orgSlug} / {x.name}
                      </Link>
                      {x.description && <span className="ml-2 text-gray-500">{x.description}</span>}
                    </li>
                  ))}
                </ul>
              )}
            />
          )}
          {show("code") && (
            <Section
              {...common}
              kind="code"
              title="Code"
              items={r.code.hits}
              capped={!r.code.complete}
              empty={
                <EmptyState title="No code matches">
                  The default branch of the most recently pushed repositories you can read is searched for the exact text, ignoring case.
                </EmptyState>
              }
              render={(hits) => (
                <ul aria-label="Code found" className={list}>
                  {hits.map((h) => (
                    <li key={`${h.orgSlug}/${h.repo}/${h.path}:${h.line}`} className="px-3 py-2 text-sm">
                      {/* a full load, not Link: only then does the line become the page's :target and light up */}
                      <a href={`${blobUrl(h.orgSlug, h.repo, h.ref, h.path)}#L${h.line}`} className={link}>
                        {h.orgSlug}/{h.repo}: {h.path}:{h.line}
                      </a>
                      <pre className="mt-1 overflow-x-auto whitespace-pre font-mono text-xs text-gray-700 dark:text-gray-300 [&_mark]:rounded-sm [&_mark]:bg-amber-200 dark:[&_mark]:bg-amber-700 dark:[&_mark]:text-white">
                        <Marked text={h.text} ranges={h.ranges} />
                      </pre>
                    </li>
                  ))}
                </ul>
              )}
            />
          )}
          {show("mergeRequests") && (
            <Section
              {...common}
              kind="mergeRequests"
              title="Merge requests"
              items={r.mergeRequests}
              capped={r.mergeRequests.length === LIMIT}
              empty={<EmptyState title="No merge request matches">Merge requests are searched by title, or by number as !12.</EmptyState>}
              render={(mrs) => (
                <ul aria-label="Merge requests found" className={list}>
                  {mrs.map((m) => (
                    <li key={m.id} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
                      <Link href={m.href} className={link}>
                        {m.title}
                      </Link>
                      <span className="shrink-0 text-gray-500">
                        {m.orgSlug}/{m.repo}!{m.number} · {m.state}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            />
          )}
          {show("certificates") && (
            <Section
              {...common}
              kind="certificates"
              title="Certificates"
              items={r.certificates}
              capped={r.certificates.length === LIMIT}
              empty={
                <EmptyState title="No certificate matches">
                  Certificates you requested, and those of organizations you lead, are searched by common name, alternative names and serial.
                </EmptyState>
              }
              render={(certs) => (
                <ul aria-label="Certificates found" className={list}>
                  {certs.map((c) => (
                    <li key={c.id} className="flex flex-wrap items-center justify-between gap-3 px-3 py-2 text-sm">
                      <span>
                        <Link href={c.href} className={link}>
                          {c.commonName}
                        </Link>
                        {c.sans.length > 0 && <span className="ml-2 text-gray-500">{c.sans.map((s) => s.value).join(", ")}</span>}
                      </span>
                      <span className="shrink-0 text-gray-500">
                        {c.orgSlug} · {c.state}
                        {c.serial && <span className="ml-1 font-mono text-xs">{c.serial}</span>}
                        {c.notAfter && <> · until {formatDate(c.notAfter)}</>}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            />
          )}
          {show("pipelines") && (
            <Section
              {...common}
              kind="pipelines"
              title="Pipelines"
              items={r.pipelines}
              capped={r.pipelines.length === LIMIT}
              empty={<EmptyState title="No pipeline matches">Pipelines are searched by ref, name, #number, id and commit (7 or more hex digits).</EmptyState>}
              render={(pipes) => (
                <ul aria-label="Pipelines found" className={list}>
                  {pipes.map((p) => (
                    <li key={p.id} className="flex flex-wrap items-center justify-between gap-3 px-3 py-2 text-sm">
                      <span>
                        <Link href={p.href} className={link}>
                          #{p.number} {p.name}
                        </Link>
                        {p.ref && <span className="ml-2 font-mono text-xs text-gray-500">{p.ref}</span>}
                      </span>
                      <span className="flex shrink-0 items-center gap-2 text-gray-500">
                        {p.orgSlug ?? "instance"} · {formatDate(p.createdAt)} <StatusBadge status={p.status} />
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            />
          )}
          {r.users && show("users") && (
            <Section
              {...common}
              kind="users"
              title="Users"
              items={r.users}
              capped={r.users.length === LIMIT}
              empty={<EmptyState title="No user matches">Search matches usernames, names and email addresses.</EmptyState>}
              render={(users) => (
                <ul aria-label="Users found" className={list}>
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
              )}
            />
          )}
        </div>
      )}
    </>
  );
}
