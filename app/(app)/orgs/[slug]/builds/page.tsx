import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { RunTinderboxNow } from "@/components/tinderbox/run-now";
import { Badge, EmptyState, formatDate, formatDuration, Table, td, th } from "@/components/ui";

export const metadata = { title: "Builds" };

const tone = { queued: "gray", running: "blue", "up-to-date": "green", opened: "purple", updated: "purple", failed: "red" } as const;
const label = { queued: "queued", running: "running", "up-to-date": "up to date", opened: "MR opened", updated: "MR updated", failed: "failed" } as const;

export default async function BuildsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { repo, runs, schedule, canRun, mine } = await orNotFound((await api()).tinderbox.runs({ slug }));
  return (
    <section aria-labelledby="builds-heading" className="space-y-4">
      <h2 id="builds-heading" className="text-lg font-semibold">
        Builds
      </h2>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="max-w-3xl space-y-2">
          <h3 className="font-medium">Tinderbox runs</h3>
          <p className="text-sm text-gray-600 dark:text-gray-400">
            Each run refreshes <code>Puppetfile.lock</code> of the <code>{repo}</code> repository&apos;s develop branch and proposes the updates on{" "}
            <code>feature/tinderbox</code> as a merge request.
          </p>
          <p aria-label="Tinderbox schedule" className="text-sm">
            Schedule: <strong>{schedule?.schedule ?? "daily"}</strong>
            {schedule?.cron && schedule.cron !== schedule.schedule && (
              <>
                {" "}
                (<code>{schedule.cron}</code> UTC)
              </>
            )}
            {schedule ?
              schedule.next ?
                <> · next run {formatDate(schedule.next)}</>
              : " · no scheduled runs"
            : " · read from .rookery/tinderbox.yaml within the hour"}
          </p>
          {schedule?.error && <p className="text-sm text-red-700 dark:text-red-400">{schedule.error} (the daily default applies)</p>}
        </div>
        {canRun && <RunTinderboxNow slug={slug} latest={runs[0] ?? null} mine={mine} />}
      </div>
      {runs.length === 0 ?
        <EmptyState title="No tinderbox runs yet">
          {canRun ? "“Run tinderbox now” starts one; the schedule starts the others." : "The schedule starts them; leaders can also run one now."}
        </EmptyState>
      : <Table label="Tinderbox runs">
          <thead>
            <tr>
              <th className={th}>Started</th>
              <th className={th}>Trigger</th>
              <th className={th}>Outcome</th>
              <th className={th}>Changes</th>
              <th className={th}>Duration</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
            {runs.map((r) => (
              <tr key={r.id}>
                <td className={td}>{formatDate(r.startedAt ?? r.createdAt)}</td>
                <td className={td}>{r.trigger}</td>
                <td className={td}>
                  <Badge tone={tone[r.status]}>{label[r.status]}</Badge>
                  {r.mrNumber !== null && (
                    <>
                      {" "}
                      <Link className="text-blue-700 hover:underline dark:text-blue-400" href={`/orgs/${slug}/repos/${repo}/merge_requests/${r.mrNumber}`}>
                        !{r.mrNumber}
                      </Link>
                    </>
                  )}
                  {r.reason && <p className="mt-1 text-xs whitespace-pre-wrap text-gray-600 dark:text-gray-400">{r.reason}</p>}
                </td>
                <td className={td}>
                  {r.changes.length ?
                    <ul className="list-disc pl-4">
                      {r.changes.map((c) => (
                        <li key={c}>{c}</li>
                      ))}
                    </ul>
                  : "—"}
                </td>
                <td className={td}>{r.startedAt ? formatDuration(r.startedAt, r.finishedAt) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      }
    </section>
  );
}
