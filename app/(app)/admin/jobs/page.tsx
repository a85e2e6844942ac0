import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { RetryJobButton } from "@/components/admin/retry-job-button";
import { hrefWith, Pager } from "@/components/pager";
import { Badge, Breadcrumbs, EmptyState, formatDateSeconds, PageHeader, Table, buttonClass, cx, inputClass, td, th } from "@/components/ui";
import { jobStates, type JobState } from "@/server/jobs/admin";

export const metadata = { title: "Background jobs · Admin area" };

type Search = Promise<{ queue?: string; state?: string; view?: string; cursor?: string }>;

const stateTone: Record<JobState, "gray" | "blue" | "green" | "amber" | "red" | "purple"> = {
  created: "gray",
  retry: "amber",
  active: "blue",
  completed: "green",
  cancelled: "gray",
  failed: "red",
};
const stateLabel: Record<JobState, string> = {
  created: "Waiting",
  retry: "Retrying",
  active: "Running",
  completed: "Completed",
  cancelled: "Cancelled",
  failed: "Failed",
};

/** What a failed job said: pg-boss stores the thrown error as {name, message, stack}. */
function errorOf(output: unknown): { message: string; more: string | null } | null {
  if (output === null || output === undefined) return null;
  if (typeof output === "object" && typeof (output as { message?: unknown }).message === "string") {
    const o = output as { message: string; stack?: unknown };
    return { message: o.message, more: typeof o.stack === "string" ? o.stack : null };
  }
  const text = JSON.stringify(output, null, 2);
  return { message: text.length > 200 ? text.slice(0, 200) + "…" : text, more: text.length > 200 ? text : null };
}

export default async function AdminJobsPage({ searchParams }: { searchParams: Search }) {
  const sp = await searchParams;
  const state = (jobStates as readonly string[]).includes(sp.state ?? "") ? (sp.state as JobState) : undefined;
  const archived = sp.view === "archive";
  const queue = sp.queue || undefined;
  const page = await orNotFound((await api()).jobs.list({ queue, state, archived, cursor: sp.cursor || undefined }));
  const base = { queue, view: archived ? "archive" : undefined };
  const total = Object.values(page.counts).reduce((a, b) => a + b, 0);

  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Background jobs" }]} />
      <PageHeader
        title="Background jobs"
        description="Work the background workers do (directory sync, email, …). Finished jobs move to the archive after a while; failed ones can be retried."
      />
      <div className="mb-4 flex flex-wrap items-end gap-4">
        <nav aria-label="Job view" className="flex gap-1 rounded-md border border-gray-200 p-0.5 dark:border-gray-700">
          {[
            { label: "Live", view: undefined },
            { label: "Archive", view: "archive" },
          ].map((v) => (
            <Link
              key={v.label}
              href={hrefWith("/admin/jobs", { queue, view: v.view })}
              aria-current={archived === (v.view === "archive") ? "page" : undefined}
              className={cx(
                "rounded px-3 py-1 text-sm",
                archived === (v.view === "archive") ? "bg-brand-600 text-white" : "hover:bg-gray-100 dark:hover:bg-gray-800",
              )}
            >
              {v.label}
            </Link>
          ))}
        </nav>
        <form action="/admin/jobs" className="flex items-end gap-2">
          {archived && <input type="hidden" name="view" value="archive" />}
          {state && <input type="hidden" name="state" value={state} />}
          <div>
            <label htmlFor="job-queue" className="block text-sm font-medium text-gray-700 dark:text-gray-200">
              Queue
            </label>
            <select id="job-queue" name="queue" defaultValue={queue ?? ""} className={inputClass}>
              <option value="">All queues</option>
              {page.queues.map((q) => (
                <option key={q} value={q}>
                  {q}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className={buttonClass.secondary}>
            Filter
          </button>
        </form>
      </div>
      <nav aria-label="Job states" className="mb-4 flex flex-wrap gap-2 border-b border-gray-200 pb-2 text-sm dark:border-gray-700">
        {[undefined, ...jobStates].map((s) => (
          <Link
            key={s ?? "all"}
            href={hrefWith("/admin/jobs", { ...base, state: s })}
            aria-current={state === s ? "page" : undefined}
            className={cx(
              "rounded-md px-2 py-1",
              state === s ?
                "bg-brand-50 font-medium text-brand-700 dark:bg-gray-800 dark:text-brand-100"
              : "text-gray-700 hover:bg-gray-100 dark:text-gray-300 dark:hover:bg-gray-800",
            )}
          >
            {s ? stateLabel[s] : "All"}
            {!archived && <span className="ml-1 text-xs text-gray-500">{s ? page.counts[s] : total}</span>}
          </Link>
        ))}
      </nav>
      {page.items.length === 0 ?
        <EmptyState
          title={
            state ? `No ${stateLabel[state].toLowerCase()} jobs`
            : archived ?
              "The archive is empty"
            : "No jobs right now"
          }
        >
          {archived ?
            "Completed and failed jobs land here once they are old enough."
          : "Jobs appear here when the portal hands work to the background workers, for example an LDAP sync."}
        </EmptyState>
      : <Table label="Jobs">
          <thead>
            <tr>
              <th className={th}>Queue</th>
              <th className={th}>State</th>
              <th className={th}>Created</th>
              <th className={th}>Started</th>
              <th className={th}>Completed</th>
              <th className={th}>Attempts</th>
              <th className={th}>Output</th>
              <th className={`${th} text-right`}>Actions</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 bg-white align-top dark:divide-gray-700 dark:bg-gray-800">
            {page.items.map((j) => {
              const err = j.state === "failed" || j.state === "retry" ? errorOf(j.output) : null;
              return (
                <tr key={j.id} aria-label={`${j.queue} job ${j.id}`}>
                  <td className={td}>
                    <div className="font-medium">{j.queue}</div>
                    <div className="font-mono text-xs text-gray-500">{j.id.slice(0, 8)}</div>
                  </td>
                  <td className={td}>
                    <Badge tone={stateTone[j.state]}>{stateLabel[j.state]}</Badge>
                  </td>
                  <td className={`${td} whitespace-nowrap`}>{formatDateSeconds(j.createdOn)}</td>
                  <td className={`${td} whitespace-nowrap`}>{formatDateSeconds(j.startedOn)}</td>
                  <td className={`${td} whitespace-nowrap`}>{formatDateSeconds(j.completedOn)}</td>
                  <td className={td}>
                    {j.retryCount + (j.startedOn ? 1 : 0)} / {j.retryLimit + 1}
                  </td>
                  <td className={`${td} max-w-md`}>
                    {err ?
                      <div className="space-y-1">
                        <p className="break-words text-red-700 dark:text-red-400">{err.message}</p>
                        {err.more && (
                          <details>
                            <summary className="cursor-pointer text-xs text-gray-500">Details</summary>
                            <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap text-xs">{err.more}</pre>
                          </details>
                        )}
                      </div>
                    : j.data && Object.keys(j.data as object).length ?
                      <code className="break-all text-xs text-gray-600 dark:text-gray-400">{JSON.stringify(j.data).slice(0, 160)}</code>
                    : <span className="text-gray-400">—</span>}
                  </td>
                  <td className={`${td} text-right`}>{j.state === "failed" && !archived && <RetryJobButton id={j.id} queue={j.queue} />}</td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      }
      <Pager path="/admin/jobs" params={{ ...base, state }} atFirstPage={!sp.cursor} nextCursor={page.nextCursor} />
    </>
  );
}
