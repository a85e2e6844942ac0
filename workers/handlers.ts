import { every, on, queues, type Handler, type Queue, type Schedule } from "@/server/jobs";
import { getConfig } from "@/server/config";
import { deliverNotificationEmail } from "@/server/notify/email";
import { provisionMissingRepos, syncMirrorsOf } from "@/server/git/events";
import { housekeepRepo, queueHousekeepingForAll } from "@/server/git/housekeeping";
import { ldapSyncJob } from "@/server/ldap/sync";
import { getDb } from "@/db/client";
import { backupJob } from "@/server/backups";
import { queueDueMirrors, syncPullMirror } from "@/server/git/pull-mirror";
import { deliverWebhookJob } from "@/server/webhooks/deliver";
import { binhostPruneJob, reconcileBinhost } from "@/server/farm/binhost";
import { distfilesPruneJob } from "@/server/farm/distfiles";
import { refreshJob } from "@/server/mergerequests/merge";
import { expireLeases, notifyStuckJobs } from "@/server/runners/queue";
import { deleteExpiredArtifacts } from "@/server/runners/artifacts";
import { pkiRefreshJob } from "@/server/pki/jobs";
import { farmJobFinished } from "@/server/farm/pipeline";
import { stageJobFinished } from "@/server/farm/stages";
import { runDueSchedules, runMergeSchedules } from "@/server/farm/schedules";
import { checkPushedProfiles } from "@/server/farm/checks";
import { checkPushedOverlay, overlayLintFinished } from "@/server/farm/overlay";
import { afterWorkJob, reconcileIntents } from "@/server/intents/reconcile";
import { portageTreeSyncJob } from "@/server/farm/tree";
import { scanGlsa } from "@/server/farm/glsa-scan";
import { runQueuedTinderbox } from "@/server/tinderbox/run";
import { runDueTinderboxes } from "@/server/tinderbox/schedule";

/** One handler per queue, receiving its parsed payload. Each domain's job work is a plain async function in server/<domain>. */
export const handlers: Handler[] = [
  on(queues.ldapSync, ldapSyncJob),
  on(queues.notifyEmail, deliverNotificationEmail),
  on(queues.gitMirrorSync, (data) => syncMirrorsOf(data.upstream)),
  on(queues.gitProvision, () => provisionMissingRepos()),
  on(queues.gitHousekeeping, (data) => housekeepRepo(getDb(), data)),
  on(queues.gitHousekeepingDue, () => queueHousekeepingForAll(getDb())),
  on(queues.webhookDelivery, deliverWebhookJob),
  on(queues.pullMirrorSync, (data) => syncPullMirror(getDb(), data.repoId)),
  on(queues.pullMirrorsDue, () => queueDueMirrors(getDb())),
  on(queues.backupRun, (data) => backupJob(data, getDb())),
  on(queues.binhostPrune, () => binhostPruneJob(getDb())),
  on(queues.distfilesPrune, () => distfilesPruneJob(getDb())),
  on(queues.mrRefresh, (data) => refreshJob(getDb(), data)),
  on(queues.runnerLeases, async () => ({ expired: await expireLeases(getDb()), stuck: await notifyStuckJobs(getDb()) })),
  on(queues.artifactCleanup, () => deleteExpiredArtifacts(getDb())),
  on(queues.pkiRefresh, () => pkiRefreshJob(getDb())),
  on(
    queues.buildJobFinished,
    async (data) => (await overlayLintFinished(getDb(), data.jobId)) ?? (await stageJobFinished(getDb(), data.jobId)) ?? farmJobFinished(getDb(), data.jobId),
  ),
  on(queues.farmSchedulesDue, () => runDueSchedules(getDb())),
  on(queues.tinderboxRun, async ({ orgId }) => {
    const run = await runQueuedTinderbox(getDb(), orgId);
    return run && { runId: run.id, status: run.status, reason: run.reason };
  }),
  on(queues.tinderboxSchedulesDue, () => runDueTinderboxes(getDb())),
  on(queues.portageTreeSync, (data) => portageTreeSyncJob(getDb(), data)),
  on(queues.glsaScan, (data) => scanGlsa(getDb(), data)),
  on(queues.farmProfilesPushed, async ({ branches }) => ({
    checks: await checkPushedProfiles(getDb(), branches),
    builds: await runMergeSchedules(getDb(), branches),
  })),
  on(queues.farmOverlayPushed, ({ branches }) => checkPushedOverlay(getDb(), branches)),
  on(queues.intentsReconcile, async () => ({ ...(await reconcileIntents(getDb())), binhost: await reconcileBinhost(getDb()) })),
  on(queues.intentAfterWork, (data) => afterWorkJob(getDb(), data)),
];

export function handlerOf(queue: Queue): Handler {
  const h = handlers.find((x) => x.queue === queue);
  if (!h) throw new Error(`no handler for ${queue.name}`);
  return h;
}

export function schedules(): Schedule[] {
  const cfg = getConfig();
  return [
    ...(cfg.ldap ? [every(queues.ldapSync, cfg.ldap.syncCron, { trigger: "schedule" })] : []),
    every(queues.backupRun, cfg.backups.cron, { trigger: "schedule" }),
    every(queues.pullMirrorsDue, "*/5 * * * *"),
    every(queues.binhostPrune, cfg.binhost.pruneCron),
    every(queues.distfilesPrune, cfg.distfiles.pruneCron),
    every(queues.gitHousekeepingDue, cfg.git.housekeepingCron),
    // runners' long polls requeue expired leases too; this covers times when none polls
    every(queues.runnerLeases, "* * * * *"),
    every(queues.artifactCleanup, "30 3 * * *"),
    every(queues.pkiRefresh, "17 * * * *"),
    every(queues.farmSchedulesDue, "* * * * *"),
    every(queues.tinderboxSchedulesDue, "* * * * *"),
    every(queues.glsaScan, cfg.portageTree.glsaScanCron, { trigger: "schedule" }),
    ...(cfg.portageTree.upstream ? [every(queues.portageTreeSync, cfg.portageTree.cron, { trigger: "schedule" })] : []),
    // merges, releases and binhost publications a crash left half-done (docs/intents.md)
    every(queues.intentsReconcile, "* * * * *"),
  ];
}
