import PgBoss from "pg-boss";

/** Every background queue. Handlers live in workers/; domains only enqueue. */
export const queues = {
  ldapSync: "ldap-sync",
  notifyEmail: "notify-email",
  gitMirrorSync: "git-mirror-sync",
  gitProvision: "git-provision",
  /** one repository's housekeeping (gc --auto, leftovers of killed pushes, commit-graph) */
  gitHousekeeping: "git-housekeeping",
  /** the daily fan-out: one git-housekeeping job per repository */
  gitHousekeepingDue: "git-housekeeping-due",
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
} as const;
export type QueueName = (typeof queues)[keyof typeof queues];

export const BOSS_SCHEMA = "pgboss";

/**
 * Queues that are not pg-boss's "standard". Stately: per singletonKey at most one job
 * waits and one runs, further sends are dropped (housekeeping requests never pile up).
 * Options apply when a queue is first created.
 */
const queueOptions: Partial<Record<QueueName, Omit<PgBoss.Queue, "name">>> = {
  // a big repository's repack can outlast pg-boss's default 15 minutes
  [queues.gitHousekeeping]: { policy: "stately", expireInSeconds: 3 * 3600 },
};

/** Creates the given queues (all by default) with their options; existing ones are left as they are. */
export async function createQueues(boss: PgBoss, names: readonly QueueName[] = Object.values(queues)) {
  for (const q of names) await boss.createQueue(q, { name: q, ...queueOptions[q] });
}

const globalForBoss = globalThis as unknown as { rookeryBoss?: Promise<PgBoss> };

/** A sending-only client (no maintenance, no cron): web processes and the CLI use this. */
export function getBoss(): Promise<PgBoss> {
  globalForBoss.rookeryBoss ??= (async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    const boss = new PgBoss({ connectionString: url, schema: BOSS_SCHEMA, supervise: false, schedule: false, max: 3 });
    boss.on("error", (e) => console.error("pg-boss:", e.message));
    await boss.start();
    await createQueues(boss);
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
