import { api, orNotFound } from "@/server/api/server";
import { hrefWith, PageNumberPager, SearchBox } from "@/components/pager";
import { Alert, Badge, EmptyState, formatDate, Table, td, th } from "@/components/ui";
import Link from "next/link";
import { PuppetAgentActions } from "./puppet-agent-actions";
import { PuppetTokenForm, PuppetTokens } from "./puppet-token";

const states = ["requested", "signed", "revoked"] as const;
type State = (typeof states)[number];
const badge = { requested: <Badge tone="blue">Requested</Badge>, signed: <Badge tone="green">Signed</Badge>, revoked: <Badge tone="red">Revoked</Badge> };

/**
 * The puppet sub-CA's agents by certname, their requests waiting first, with the pre-authorize
 * form and outstanding tokens: all of them for admins (no `slug`), one org's for its leaders.
 */
export async function PuppetAgents({ slug, path, searchParams }: { slug?: string; path: string; searchParams: { q?: string; state?: string; page?: string } }) {
  const state = states.includes(searchParams.state as State) ? (searchParams.state as State) : undefined;
  const page = Math.max(1, Number.parseInt(searchParams.page ?? "1", 10) || 1);
  const q = searchParams.q?.trim() || undefined;
  const trpc = await api();
  // Outside the caller's rights (not a leader of this org, not an admin) the page does not exist.
  const [list, tokens] = await orNotFound(Promise.all([trpc.pki.puppet.agents({ slug, q, state, page }), trpc.pki.puppet.tokens({ slug })]));
  if (!list.ready) return <Alert tone="info">There is no active puppet sub-CA yet: an administrator creates it under Admin → PKI.</Alert>;
  return (
    <div className="space-y-8">
      <section aria-labelledby="agents-heading">
        <h2 id="agents-heading" className="mb-1 text-lg font-semibold">
          Puppet agents
        </h2>
        <p className="mb-3 text-sm text-gray-600 dark:text-gray-400">
          {slug ?
            `Agents whose certname lies in ${list.domains.join(", ") || "your organization's domains"}. Requests without a token wait here until you sign them.`
          : "Every agent of the puppet sub-CA. Requests without a token wait here until a leader of the organization owning the name, or an administrator, signs them."
          }
        </p>
        <nav aria-label="Filter by state" className="mb-2 flex flex-wrap gap-3 text-sm">
          {[undefined, ...states].map((s) => (
            <Link
              key={s ?? "all"}
              href={hrefWith(path, { state: s, q })}
              className={s === state ? "font-semibold underline" : "text-brand-600 hover:underline"}
            >
              {s ?? "all"}
            </Link>
          ))}
        </nav>
        <SearchBox path={path} q={q} label="Search agents" placeholder="Certname" hidden={{ state }} />
        {list.agents.length === 0 ?
          <EmptyState title="No agents">{q || state ? "Nothing matches this filter." : "No agent has asked for a certificate yet."}</EmptyState>
        : <Table label="Puppet agents">
            <thead>
              <tr>
                <th className={th}>Certname</th>
                <th className={th}>State</th>
                <th className={th}>Fingerprint (SHA-256)</th>
                <th className={th}>Dates</th>
                <th className={th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {list.agents.map((a) => (
                <tr key={a.certname} className="align-top">
                  <td className={td}>
                    <strong>{a.certname}</strong>
                    {a.sans.length > 1 && <div className="text-xs text-gray-500">Alt names: {a.sans.filter((n) => n !== a.certname).join(", ")}</div>}
                    {a.extensions.length > 0 && (
                      <dl aria-label={`Extensions of ${a.certname}`} className="mt-1 grid grid-cols-[auto_1fr] gap-x-2 text-xs">
                        {a.extensions.map((e) => (
                          <div key={e.oid} className="contents">
                            <dt className="font-mono text-gray-500" title={e.oid}>
                              {e.name}
                            </dt>
                            <dd className="font-mono">{e.value}</dd>
                          </div>
                        ))}
                      </dl>
                    )}
                  </td>
                  <td className={td}>{badge[a.state as State] ?? a.state}</td>
                  <td className={td}>
                    <code className="break-all text-xs">{a.fingerprint}</code>
                    <div className="text-xs text-gray-500">{a.keyDescription}</div>
                  </td>
                  <td className={`${td} text-xs`}>
                    <div>Requested {formatDate(a.requestedAt)}</div>
                    {a.notAfter && (
                      <div>
                        Valid {formatDate(a.notBefore)} – {formatDate(a.notAfter)}
                      </div>
                    )}
                    {a.revokedAt && <div>Revoked {formatDate(a.revokedAt)}</div>}
                  </td>
                  <td className={td}>
                    <PuppetAgentActions slug={slug} certname={a.certname} state={a.state as State} />
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        }
        <PageNumberPager page={page} hasMore={page * list.pageSize < list.total} href={(n) => hrefWith(path, { state, q, page: n })} />
      </section>

      <section aria-labelledby="tokens-heading" className="space-y-3">
        <h2 id="tokens-heading" className="text-lg font-semibold">
          Autosign tokens
        </h2>
        <PuppetTokenForm slug={slug} domains={list.domains} />
        <PuppetTokens slug={slug} tokens={tokens} />
      </section>
    </div>
  );
}
