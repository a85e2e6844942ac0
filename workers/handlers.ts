import { queues, type QueueName } from "@/server/jobs";
import { getConfig } from "@/server/config";
import { deliverNotificationEmail } from "@/server/notify/email";
import { maintainRepo, provisionMissingRepos, syncMirrorsOf } from "@/server/git/events";
import { ldapSyncJob } from "@/server/ldap/sync";
import { getDb } from "@/db/client";
import { backupJob } from "@/server/backups";
import { queueDueMirrors, syncPullMirror } from "@/server/git/pull-mirror";
import { deliverWebhookJob } from "@/server/webhooks/deliver";
import { binhostPruneJob } from "@/server/farm/binhost";
import { refreshJob } from "@/server/mergerequests/merge";
import { expireLeases, notifyStuckJobs } from "@/server/runners/queue";
import { deleteExpiredArtifacts } from "@/server/runners/artifacts";
import { pkiRefreshJob } from "@/server/pki/jobs";
import { farmJobFinished } from "@/server/farm/pipeline";
import { runDueSchedules, runMergeSchedules } from "@/server/farm/schedules";
import { checkPushedProfiles } from "@/server/farm/checks";
import { afterWorkJob, reconcileIntents } from "@/server/intents/reconcile";

type Handler = (data: Record<string, unknown>) => Promise<unknown>;

/** queue → handler. Each domain's job work is a plain async function in server/<domain>. */
export const handlers: Partial<Record<QueueName, Handler>> = {
  [queues.ldapSync]: ldapSyncJob,
  [queues.notifyEmail]: deliverNotificationEmail,
  [queues.gitMirrorSync]: (data) => syncMirrorsOf(String(data.upstream)),
  [queues.gitProvision]: () => provisionMissingRepos(),
  [queues.gitMaintenance]: maintainRepo,
  [queues.webhookDelivery]: deliverWebhookJob,
  [queues.pullMirrorSync]: (data) => syncPullMirror(getDb(), String(data.repoId)),
  [queues.pullMirrorsDue]: () => queueDueMirrors(getDb()),
  [queues.backupRun]: (data) => backupJob(data, getDb()),
  [queues.binhostPrune]: () => binhostPruneJob(getDb()),
  [queues.mrRefresh]: (data) => refreshJob(getDb(), data),
  [queues.runnerLeases]: async () => ({ expired: await expireLeases(getDb()), stuck: await notifyStuckJobs(getDb()) }),
  [queues.artifactCleanup]: () => deleteExpiredArtifacts(getDb()),
  [queues.pkiRefresh]: () => pkiRefreshJob(getDb()),
  [queues.buildJobFinished]: (data) => farmJobFinished(getDb(), String(data.jobId)),
  [queues.farmSchedulesDue]: () => runDueSchedules(getDb()),
  [queues.farmProfilesPushed]: async (data) => {
    const branches = (data.branches as string[]) ?? [];
    return { checks: await checkPushedProfiles(getDb(), branches), builds: await runMergeSchedules(getDb(), branches) };
  },
  [queues.intentsReconcile]: () => reconcileIntents(getDb()),
  [queues.intentAfterWork]: (data) => afterWorkJob(getDb(), data),
};

export function schedules(): { queue: QueueName; cron: string; data?: object }[] {
  const cfg = getConfig();
  return [
    ...(cfg.ldap ? [{ queue: queues.ldapSync, cron: cfg.ldap.syncCron, data: { trigger: "schedule" } }] : []),
    { queue: queues.backupRun, cron: cfg.backups.cron, data: { trigger: "schedule" } },
    { queue: queues.pullMirrorsDue, cron: "*/5 * * * *" },
    { queue: queues.binhostPrune, cron: cfg.binhost.pruneCron },
    // runners' long polls requeue expired leases too; this covers times when none polls
    { queue: queues.runnerLeases, cron: "* * * * *" },
    { queue: queues.artifactCleanup, cron: "30 3 * * *" },
    { queue: queues.pkiRefresh, cron: "17 * * * *" },
    { queue: queues.farmSchedulesDue, cron: "* * * * *" },
    // merges and releases a crash left half-done (docs/intents.md)
    { queue: queues.intentsReconcile, cron: "* * * * *" },
  ];
}
