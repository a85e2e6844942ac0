import Link from "next/link";
import { Pager } from "@/components/pager";
import { Alert, Badge, EmptyState, formatDateSeconds, Table, buttonClass, inputClass, td, th } from "@/components/ui";

export type AuditSearch = { user?: string; action?: string; from?: string; to?: string; cursor?: string };
export type AuditFilters = { user?: string; action?: string; from?: string; to?: string; cursor?: number };

type Event = {
  id: number;
  at: Date;
  actorName: string;
  action: string;
  orgSlug: string | null;
  targetType: string | null;
  targetId: string | null;
  outcome: "success" | "denied" | "failure";
  details: Record<string, unknown>;
};

const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));

/** The page's query string as filters for `audit.list`, plus messages for values it ignored. */
export function parseAuditSearch(sp: AuditSearch): { filters: AuditFilters; problems: string[] } {
  const problems: string[] = [];
  const day = (label: string, v?: string) => {
    if (!v) return undefined;
    if (isDay(v)) return v;
    problems.push(`${label} date “${v}” is not a date like 2026-01-31; it was ignored.`);
    return undefined;
  };
  const cursor = sp.cursor && /^\d{1,15}$/.test(sp.cursor) ? Number(sp.cursor) : undefined;
  return {
    filters: {
      user: sp.user?.trim().toLowerCase() || undefined,
      action: sp.action?.trim() || undefined,
      from: day("From", sp.from),
      to: day("To", sp.to),
      cursor: cursor && cursor > 0 ? cursor : undefined,
    },
    problems,
  };
}

const outcomeTone = { success: "green", denied: "amber", failure: "red" } as const;
const outcomeLabel = { success: "Success", denied: "Denied", failure: "Failed" } as const;

function detailText(v: unknown) {
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function AuditLog({
  path,
  filters,
  problems,
  actions,
  events,
  nextCursor,
  showOrg,
}: {
  path: string;
  filters: AuditFilters;
  problems: string[];
  actions: string[];
  events: Event[];
  nextCursor: number | null;
  showOrg: boolean;
}) {
  const filtered = !!(filters.user || filters.action || filters.from || filters.to);
  const params = { user: filters.user, action: filters.action, from: filters.from, to: filters.to };
  return (
    <div className="space-y-4">
      <form action={path} aria-label="Filter audit log" className="flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor="audit-user" className="block text-sm font-medium text-gray-700 dark:text-gray-200">
            User
          </label>
          <input id="audit-user" name="user" defaultValue={filters.user} placeholder="username" className={inputClass} />
        </div>
        <div>
          <label htmlFor="audit-action" className="block text-sm font-medium text-gray-700 dark:text-gray-200">
            Action
          </label>
          <select id="audit-action" name="action" defaultValue={filters.action ?? ""} className={inputClass}>
            <option value="">Any action</option>
            {filters.action && !actions.includes(filters.action) && <option value={filters.action}>{filters.action}</option>}
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-from" className="block text-sm font-medium text-gray-700 dark:text-gray-200">
            From
          </label>
          <input id="audit-from" name="from" type="date" defaultValue={filters.from} className={inputClass} />
        </div>
        <div>
          <label htmlFor="audit-to" className="block text-sm font-medium text-gray-700 dark:text-gray-200">
            To
          </label>
          <input id="audit-to" name="to" type="date" defaultValue={filters.to} className={inputClass} />
        </div>
        <button type="submit" className={buttonClass.primary}>
          Filter
        </button>
        {filtered && (
          <Link href={path} className={buttonClass.secondary}>
            Clear filters
          </Link>
        )}
      </form>
      {problems.map((p) => (
        <Alert key={p} tone="warning">
          {p}
        </Alert>
      ))}
      {events.length === 0 ?
        <EmptyState title={filtered || filters.cursor ? "No matching events" : "Nothing recorded yet"}>
          {filtered ? "Widen the date range or clear a filter." : "Every change made in Rookery is recorded here with who made it and whether it worked."}
        </EmptyState>
      : <Table label="Audit events">
          <thead>
            <tr>
              <th className={th}>Time</th>
              <th className={th}>User</th>
              <th className={th}>Action</th>
              {showOrg && <th className={th}>Organization</th>}
              <th className={th}>Target</th>
              <th className={th}>Outcome</th>
              <th className={th}>Details</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 bg-white align-top dark:divide-gray-700 dark:bg-gray-800">
            {events.map((e) => (
              <tr key={e.id}>
                <td className={`${td} whitespace-nowrap`}>
                  <time dateTime={e.at.toISOString()}>{formatDateSeconds(e.at)}</time>
                </td>
                <td className={td}>{e.actorName}</td>
                <td className={`${td} font-mono text-xs`}>{e.action}</td>
                {showOrg && (
                  <td className={td}>
                    {e.orgSlug ?
                      <Link className="text-brand-600 hover:underline" href={`/orgs/${e.orgSlug}`}>
                        {e.orgSlug}
                      </Link>
                    : "—"}
                  </td>
                )}
                <td className={td}>
                  {e.targetType ?
                    <>
                      <span className="text-gray-500">{e.targetType}</span> {e.targetId}
                    </>
                  : "—"}
                </td>
                <td className={td}>
                  <Badge tone={outcomeTone[e.outcome]}>{outcomeLabel[e.outcome]}</Badge>
                </td>
                <td className={`${td} max-w-sm text-xs`}>
                  {Object.keys(e.details).length === 0 ?
                    <span className="text-gray-400">—</span>
                  : <dl className="space-y-0.5">
                      {Object.entries(e.details).map(([k, v]) => (
                        <div key={k} className="break-words">
                          <dt className="inline text-gray-500">{k}: </dt>
                          <dd className="inline">{detailText(v)}</dd>
                        </div>
                      ))}
                    </dl>
                  }
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      }
      <Pager path={path} params={params} atFirstPage={!filters.cursor} nextCursor={nextCursor} nextLabel="Older" firstLabel="Newest" />
    </div>
  );
}
