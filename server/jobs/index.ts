import PgBoss from "pg-boss";

/** Every background queue. Handlers live in workers/; domains only enqueue. */
export const queues = {
  ldapSync: "ldap-sync",
  notifyEmail: "notify-email",
  gitMirrorSync: "git-mirror-sync",
  gitProvision: "git-provision",
  gitMaintenance: "git-maintenance",
  webhookDelivery: "webhook-delivery",
  pullMirrorSync: "git-pull-mirror-sync",
  pullMirrorsDue: "git-pull-mirrors-due",
  backupRun: "git-backup",
  binhostPrune: "farm-binhost-prune",
  mrRefresh: "mr-refresh",
  runnerLeases: "runner-lease-expiry",
  artifactCleanup: "build-artifact-cleanup",
  pkiRefresh: "pki-refresh",
  /** a build job succeeded or failed: the domain that started it acts (the farm publishes or tells its admins) */
  buildJobFinished: "build-job-finished",
  farmSchedulesDue: "farm-schedules-due",
  farmProfilesPushed: "farm-profiles-pushed",
  /** settles pending intents (docs/intents.md): at start-up and every minute */
  intentsReconcile: "intents-reconcile",
  /** the after-work of one completed intent, when its process died before running it */
  intentAfterWork: "intent-after-work",
} as const;
export type QueueName = (typeof queues)[keyof typeof queues];

export const BOSS_SCHEMA = "pgboss";

const globalForBoss = globalThis as unknown as { rookeryBoss?: Promise<PgBoss> };

/** A sending-only client (no maintenance, no cron): web processes and the CLI use this. */
export function getBoss(): Promise<PgBoss> {
  globalForBoss.rookeryBoss ??= (async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    const boss = new PgBoss({ connectionString: url, schema: BOSS_SCHEMA, supervise: false, schedule: false, max: 3 });
    boss.on("error", (e) => console.error("pg-boss:", e.message));
    await boss.start();
    for (const q of Object.values(queues)) await boss.createQueue(q);
    return boss;
  })();
  return globalForBoss.rookeryBoss;
}

export async function enqueue(queue: QueueName, data: object, options: PgBoss.SendOptions = {}) {
  const boss = await getBoss();
  return boss.send(queue, data, { retryLimit: 3, retryDelay: 30, retryBackoff: true, ...options });
}

export async function stopBoss() {
  const boss = globalForBoss.rookeryBoss;
  globalForBoss.rookeryBoss = undefined;
  if (boss) await (await boss).stop({ graceful: false, wait: true }).catch(() => {});
}
