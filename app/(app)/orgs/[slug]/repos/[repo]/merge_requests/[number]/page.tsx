import Link from "next/link";
import type { ReactNode } from "react";
import { api } from "@/server/api/server";
import { Alert, Badge, Card, formatDate } from "@/components/ui";
import { Markdown } from "@/components/markdown";
import { load } from "@/components/code/load";
import { RepoNav } from "@/components/code/repo-nav";
import { commitUrl } from "@/components/code/urls";
import { AssigneeEditor, CommentForm, EditMergeRequest, MergeBox, ReviewButtons, ReviewersEditor } from "@/components/mergerequests/actions";
import { MergeabilityBadge, StatusBadge } from "@/components/mergerequests/badges";
import { MrHeader } from "@/components/mergerequests/header";
import { ThreadView } from "@/components/mergerequests/thread";
import { mrNumber } from "@/components/mergerequests/params";

type Props = { params: Promise<{ slug: string; repo: string; number: string }> };

export async function generateMetadata({ params }: Props) {
  const { repo, number } = await params;
  return { title: `!${number} · ${repo}` };
}

const eventText: Record<string, string> = {
  opened: "opened this merge request",
  pushed: "pushed new commits",
  approved: "approved",
  unapproved: "revoked their approval",
  merged: "merged",
  closed: "closed",
  reopened: "reopened",
  edited: "edited the title or description",
  reviewers: "changed the reviewers",
  assigned: "changed the assignee",
  source_deleted: "deleted the source branch",
  source_kept: "kept the protected source branch",
  auto_merge_set: "set it to merge when the checks pass",
  auto_merge_canceled: "auto-merge was canceled",
};

export default async function MergeRequestPage({ params }: Props) {
  const { slug, repo: name, number: raw } = await params;
  const number = mrNumber(raw);
  const d = await load((await api()).mergeRequests.get({ slug, name, number }));
  const { mr, checks } = d;
  const at = { slug, name, number };
  const approvedByMe = d.approvals.some((a) => a.id === d.me && !a.stale);
  const general = d.threads.filter((t) => !t.path);
  const inline = d.threads.filter((t) => t.path);
  type Item = { at: Date; key: string; node: ReactNode };
  const items: Item[] = [
    ...d.events.map((e) => ({
      at: e.at,
      key: e.id,
      node: (
        <p className="text-sm text-gray-600 dark:text-gray-400">
          <strong className="text-gray-800 dark:text-gray-200">{e.actor?.displayName ?? "Rookery"}</strong> {eventText[e.kind] ?? e.kind}
          {e.kind === "merged" && typeof e.details.commit === "string" && (
            <>
              {" "}
              as{" "}
              <Link className="font-mono text-brand-600 hover:underline" href={commitUrl(slug, name, e.details.commit)}>
                {e.details.commit.slice(0, 8)}
              </Link>{" "}
              ({String(e.details.method)})
            </>
          )}
          {e.kind === "auto_merge_canceled" && typeof e.details.reason === "string" && <>: {e.details.reason}</>}
          <span className="text-xs text-gray-500"> · {formatDate(e.at)}</span>
        </p>
      ),
    })),
    ...[...general, ...inline].map((t) => ({
      at: t.comments[0].at,
      key: t.id,
      node: <ThreadView thread={t} at={at} canComment={d.can.comment} headSha={mr.headSha} />,
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());

  return (
    <div>
      <RepoNav repo={d.repo} active="merge_requests" />
      <MrHeader slug={slug} repo={name} mr={mr} author={d.author?.displayName ?? null} active="overview" />
      <div className="grid gap-6 lg:grid-cols-[1fr_18rem]">
        <div className="min-w-0 space-y-4">
          <Card className="p-4">
            {mr.description.trim() ?
              <Markdown source={mr.description} />
            : <p className="text-sm text-gray-500">No description.</p>}
            {d.can.update && mr.state !== "merged" && (
              <div className="mt-3">
                <EditMergeRequest at={at} title={mr.title} description={mr.description} />
              </div>
            )}
          </Card>

          {mr.state === "open" && (
            <section aria-label="Merge status" className="space-y-3 rounded-lg border border-gray-200 bg-white p-4 dark:border-gray-700 dark:bg-gray-800">
              <h4 className="flex items-center gap-2 font-semibold">
                Merge status{" "}
                <MergeabilityBadge value={mr.mergeability} blockers={checks ? checks.reasons.filter((r) => !r.startsWith("conflicts")) : undefined} />
              </h4>
              {!d.branches.source && <Alert>The source branch {mr.sourceBranch} no longer exists. Push it again or close this merge request.</Alert>}
              {!d.branches.target && <Alert>The target branch {mr.targetBranch} no longer exists.</Alert>}
              {checks && (
                <ul className="space-y-2 text-sm">
                  <li>
                    <span className="font-medium">Approvals:</span> {checks.approvals.given} of {checks.approvals.required} required{" "}
                    {checks.approvals.ok ?
                      <Badge tone="green">ok</Badge>
                    : <Badge tone="amber">missing</Badge>}
                  </li>
                  {checks.signoff.required && (
                    <li>
                      <span className="font-medium">Signed-off-by:</span>{" "}
                      {checks.signoff.ok ?
                        <Badge tone="green">every commit signed off</Badge>
                      : <>
                          <Badge tone="red">{checks.signoff.offending.length} commit(s) not signed off by their author</Badge>
                          <ul aria-label="Commits without sign-off" className="ml-5 mt-1 list-disc">
                            {checks.signoff.offending.map((c) => (
                              <li key={c.sha}>
                                <Link className="font-mono text-brand-600 hover:underline" href={commitUrl(slug, name, c.sha)}>
                                  {c.sha.slice(0, 8)}
                                </Link>{" "}
                                {c.subject} ({c.author})
                              </li>
                            ))}
                          </ul>
                        </>
                      }
                    </li>
                  )}
                  {checks.threads.required && (
                    <li>
                      <span className="font-medium">Threads:</span>{" "}
                      {checks.threads.ok ?
                        <Badge tone="green">all resolved</Badge>
                      : <Badge tone="amber">{checks.threads.unresolved} unresolved</Badge>}
                    </li>
                  )}
                  <li>
                    <span className="font-medium">Status checks:</span>{" "}
                    {d.statuses.length === 0 && checks.checks.required.length === 0 && <span className="text-gray-500">none reported</span>}
                    <ul aria-label="Status checks" className="ml-5 mt-1 space-y-1">
                      {checks.checks.required
                        .filter((c) => !d.statuses.some((s) => s.context === c))
                        .map((c) => (
                          <li key={c}>
                            <span className="font-mono">{c}</span> <Badge tone="amber">expected</Badge> <span className="text-xs text-gray-500">required</span>
                          </li>
                        ))}
                      {d.statuses.map((s) => (
                        <li key={s.context}>
                          <span className="font-mono">{s.context}</span> <StatusBadge state={s.state} /> {s.description}{" "}
                          {checks.checks.required.includes(s.context) && <span className="text-xs text-gray-500">required</span>}{" "}
                          {s.targetUrl && /^https?:\/\//.test(s.targetUrl) && (
                            <a className="text-brand-600 hover:underline" href={s.targetUrl} rel="noopener noreferrer nofollow">
                              Details
                            </a>
                          )}
                        </li>
                      ))}
                    </ul>
                  </li>
                  {checks.conflicts.length > 0 && (
                    <li>
                      <Alert>
                        <p className="font-medium">Merge conflicts in:</p>
                        <ul aria-label="Conflicting files" className="ml-5 list-disc font-mono">
                          {checks.conflicts.map((f) => (
                            <li key={f}>{f}</li>
                          ))}
                        </ul>
                        <p className="mt-2">Resolve them locally, then push the source branch:</p>
                        <pre className="mt-1 overflow-x-auto rounded bg-white/60 p-2 font-mono text-xs dark:bg-black/30">
                          {`git fetch origin\ngit checkout ${mr.sourceBranch}\ngit merge origin/${mr.targetBranch}\n# fix the conflicts in the files above, then\ngit add ${checks.conflicts.map((f) => `'${f.replace(/'/g, "'\\''")}'`).join(" ")}\ngit commit\ngit push origin ${mr.sourceBranch}`}
                        </pre>
                      </Alert>
                    </li>
                  )}
                  {checks.behind > 0 && checks.conflicts.length === 0 && (
                    <li className="text-gray-600 dark:text-gray-400">
                      {mr.targetBranch} has {checks.behind} commit(s) that {mr.sourceBranch} lacks: a merge commit or squash works, fast-forward does not.
                    </li>
                  )}
                </ul>
              )}
              {checks && !checks.ok && <p className="text-sm text-gray-600 dark:text-gray-400">Not ready: {checks.reasons.join("; ")}.</p>}
              {d.branches.source && d.branches.target && (
                <MergeBox
                  at={at}
                  headSha={mr.headSha}
                  canMerge={d.can.merge}
                  ready={!!checks?.ok}
                  waitingForChecks={!!checks?.waitingForChecks}
                  autoMerge={mr.autoMerge}
                  sourceDeletable={!["develop", "master"].includes(mr.sourceBranch) && !/^(release|hotfix)\//.test(mr.sourceBranch)}
                />
              )}
            </section>
          )}
          {mr.state === "merged" && (
            <Alert tone="success">
              Merged {formatDate(mr.mergedAt)}
              {mr.mergeCommitSha && (
                <>
                  {" "}
                  as{" "}
                  <Link className="font-mono underline" href={commitUrl(slug, name, mr.mergeCommitSha)}>
                    {mr.mergeCommitSha.slice(0, 8)}
                  </Link>
                </>
              )}
              .
            </Alert>
          )}

          <section aria-label="Activity" className="space-y-3">
            <h4 className="font-semibold">Activity</h4>
            {items.map((i) => (
              <div key={i.key}>{i.node}</div>
            ))}
            {d.can.comment && (
              <div className="pt-2">
                <CommentForm at={at} label="Comment" />
              </div>
            )}
          </section>
        </div>

        <aside className="space-y-4 text-sm">
          <div>
            <h4 className="mb-1 font-semibold">Assignee</h4>
            {d.can.update && mr.state === "open" ?
              <AssigneeEditor at={at} current={d.assignee?.username ?? null} candidates={d.candidates} />
            : <p className={d.assignee ? "" : "text-gray-500"}>{d.assignee?.displayName ?? "Nobody"}</p>}
          </div>
          <div>
            <h4 className="mb-1 flex items-center justify-between font-semibold">
              Reviewers
              {d.can.update && mr.state === "open" && <ReviewersEditor at={at} current={d.reviewers.map((r) => r.username)} candidates={d.candidates} />}
            </h4>
            {d.reviewers.length === 0 ?
              <p className="text-gray-500">None</p>
            : <ul aria-label="Reviewers">
                {d.reviewers.map((r) => (
                  <li key={r.id}>
                    {r.displayName} <span className="text-gray-500">@{r.username}</span>
                  </li>
                ))}
              </ul>
            }
          </div>
          <div>
            <h4 className="mb-1 font-semibold">Approved by</h4>
            {d.approvals.length === 0 ?
              <p className="text-gray-500">Nobody yet</p>
            : <ul aria-label="Approvals">
                {d.approvals.map((a) => (
                  <li key={a.id}>
                    {a.displayName} {a.stale && <Badge tone="amber">stale: new commits since</Badge>}
                  </li>
                ))}
              </ul>
            }
          </div>
          <ReviewButtons at={at} headSha={mr.headSha} approved={approvedByMe} canApprove={d.can.approve} canUpdate={d.can.update} state={mr.state} />
        </aside>
      </div>
    </div>
  );
}
