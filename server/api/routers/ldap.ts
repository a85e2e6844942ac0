import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize } from "@/server/auth/policy";
import { getConfig } from "@/server/config";
import { queues, sendJob } from "@/server/jobs";
import { describeLdapConfig, latestSyncRun, listSyncRuns } from "@/server/ldap/runs";
import { protectedProcedure, router } from "../trpc";

const PAGE = 20;

export const ldapRouter = router({
  /** The directory settings (never the bind password) and the sync runs, newest first. */
  status: protectedProcedure.input(z.object({ cursor: z.uuid().optional() }).default({})).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "admin:access");
    const cfg = getConfig().ldap;
    const [runs, latest, mine] = await Promise.all([
      listSyncRuns(ctx.db, { cursor: input.cursor, limit: PAGE }),
      latestSyncRun(ctx.db),
      latestSyncRun(ctx.db, { triggeredBy: ctx.user.id }),
    ]);
    return { configured: cfg !== null, config: cfg ? describeLdapConfig(cfg) : null, latest, mine, runs };
  }),

  /** Queues a sync for the workers; the run shows up in `status` when a worker picks it up. */
  syncNow: protectedProcedure.mutation(async ({ ctx }) => {
    authorize(ctx.actor, "ldap:sync");
    if (!getConfig().ldap) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "LDAP is not configured: set LDAP_URL (and the bind DN) and restart" });
    // A manual sync is not retried behind the admin's back: the run records any failure.
    const jobId = await sendJob(queues.ldapSync, { trigger: "manual", triggeredBy: ctx.user.id }, { retryLimit: 0 });
    ctx.audit.targetType = "ldap-sync";
    ctx.audit.targetId = jobId ?? undefined;
    return { jobId };
  }),
});
