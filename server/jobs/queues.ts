import type PgBoss from "pg-boss";
import { z } from "zod";

/**
 * A background queue: its pg-boss name and the zod schema of its payload. Senders
 * (`sendJob`, `enqueueWith`, `every`) pass the schema's input and the payload is parsed
 * before pg-boss stores it; handlers (`on`) receive the parsed output.
 */
export type Queue<S extends z.ZodType = z.ZodType> = { readonly name: string; readonly schema: S; readonly options?: QueueOptions };
/** pg-boss queue options other than "standard", applied when the queue is first created. */
export type QueueOptions = Omit<PgBoss.Queue, "name">;
/** What a sender passes (defaults may be left out). */
export type JobInput<Q extends Queue> = z.input<Q["schema"]>;
/** What a handler receives. */
export type JobData<Q extends Queue> = z.output<Q["schema"]>;

export function defineQueue<S extends z.ZodType>(name: string, schema: S, options?: QueueOptions): Queue<S> {
  return { name, schema, options };
}

/** A payload that is not what its queue declares: a bug in the sender (or a job from an older release). */
export class JobPayloadError extends Error {}

export function parseJobData<Q extends Queue>(queue: Q, data: unknown): JobData<Q> {
  const parsed = queue.schema.safeParse(data);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new JobPayloadError(`${queue.name} job payload: ${i.path.join(".") || "data"}: ${i.message}`);
  }
  return parsed.data as JobData<Q>;
}

const id = z.guid();
const none = z.object({});

/** Every background queue. Handlers live in workers/handlers.ts; domains only send. */
export const queues = {
  ldapSync: defineQueue(
    "ldap-sync",
    z.object({ trigger: z.enum(["schedule", "manual", "cli", "startup", "login"]).default("schedule"), triggeredBy: id.nullish() }),
  ),
  /** one email */
  notifyEmail: defineQueue("notify-email", z.object({ to: z.string().min(3), subject: z.string().min(1), text: z.string() })),
  /** push mirrors of the upstream `org/repo` */
  gitMirrorSync: defineQueue("git-mirror-sync", z.object({ upstream: z.string().regex(/^[^/]+\/[^/]+$/, "upstream is org/repo") })),
  gitProvision: defineQueue("git-provision", none),
  /**
   * one repository's housekeeping (gc --auto, leftovers of killed pushes, commit-graph). Stately:
   * per repository at most one job waits and one runs, further requests are dropped; a big
   * repository's repack can outlast pg-boss's default 15 minutes.
   */
  gitHousekeeping: defineQueue(
    "git-housekeeping",
    z.object({ repoId: id, trigger: z.enum(["schedule", "push", "manual"]).default("schedule"), triggeredBy: id.nullish() }),
    { policy: "stately", expireInSeconds: 3 * 3600 },
  ),
  /** the daily fan-out: one git-housekeeping job per repository */
  gitHousekeepingDue: defineQueue("git-housekeeping-due", none),
  webhookDelivery: defineQueue("webhook-delivery", z.object({ deliveryId: id })),
  pullMirrorSync: defineQueue("git-pull-mirror-sync", z.object({ repoId: id })),
  pullMirrorsDue: defineQueue("git-pull-mirrors-due", none),
  backupRun: defineQueue("git-backup", z.object({ trigger: z.enum(["schedule", "manual"]).default("schedule"), triggeredBy: id.nullish() })),
  binhostPrune: defineQueue("farm-binhost-prune", none),
  distfilesPrune: defineQueue("farm-distfiles-prune", none),
  /** mergeability of these merge requests of one repository */
  mrRefresh: defineQueue("mr-refresh", z.object({ repoId: id, mrIds: z.array(id) })),
  runnerLeases: defineQueue("runner-lease-expiry", none),
  artifactCleanup: defineQueue("build-artifact-cleanup", none),
  pkiRefresh: defineQueue("pki-refresh", none),
  /** a build job succeeded or failed: the domain that started it acts (the farm publishes or tells its admins) */
  buildJobFinished: defineQueue("build-job-finished", z.object({ jobId: id })),
  farmSchedulesDue: defineQueue("farm-schedules-due", none),
  /**
   * fetch the upstream portage tree into infrastructure/gentoo and bring it into development.
   * Stately: one sync runs at a time and one more waits; a first fetch of the whole tree is long.
   */
  portageTreeSync: defineQueue(
    "farm-portage-tree-sync",
    z.object({ trigger: z.enum(["schedule", "manual", "startup"]).default("schedule"), triggeredBy: id.nullish() }),
    {
      policy: "stately",
      expireInSeconds: 3 * 3600,
    },
  ),
  /**
   * the GLSA watch: every environment's advisories against its live binhost publications.
   * Stately: one scan runs and one more waits (publications and tree syncs in a burst share it).
   */
  glsaScan: defineQueue(
    "farm-glsa-scan",
    z.object({ trigger: z.enum(["schedule", "manual", "publication", "tree-sync"]).default("schedule"), triggeredBy: id.nullish() }),
    { policy: "stately" },
  ),
  /** branches of the build-profiles repository that were pushed */
  farmProfilesPushed: defineQueue("farm-profiles-pushed", z.object({ branches: z.array(z.string()) })),
  /** branches of the overlay that were pushed: their lint status (and lint job) */
  farmOverlayPushed: defineQueue("farm-overlay-pushed", z.object({ branches: z.array(z.string().min(1).max(255)).max(100) })),
  /**
   * one tinderbox pass over an organization's puppet repository (server/tinderbox/run.ts): the
   * newest waiting run of the org. Stately per org (singletonKey = orgId): one runs, one waits.
   */
  tinderboxRun: defineQueue("tinderbox-run", z.object({ orgId: id }), { policy: "stately", expireInSeconds: 3600 }),
  /** every minute: starts the tinderbox runs whose schedule is due (server/tinderbox/schedule.ts) */
  tinderboxSchedulesDue: defineQueue("tinderbox-schedules-due", none),
  /** settles pending intents (docs/intents.md): at start-up and every minute */
  intentsReconcile: defineQueue("intents-reconcile", none),
  /** the after-work of one completed intent, when its process died before running it */
  intentAfterWork: defineQueue("intent-after-work", z.object({ intentId: id })),
};

/** A handler registration: `handle` parses the stored payload, then runs the typed handler. */
export type Handler = { queue: Queue; handle: (data: unknown) => Promise<unknown> };

export function on<Q extends Queue>(queue: Q, handler: (data: JobData<Q>) => Promise<unknown>): Handler {
  return { queue, handle: async (data) => handler(parseJobData(queue, data)) };
}

/** A cron schedule (UTC) of a queue; its payload is checked like a sent one. */
export type Schedule = { queue: Queue; cron: string; data: object };

export function every<Q extends Queue>(queue: Q, cron: string, ...data: Record<never, never> extends JobInput<Q> ? [JobInput<Q>?] : [JobInput<Q>]): Schedule {
  return { queue, cron, data: parseJobData(queue, data[0] ?? {}) as object };
}
