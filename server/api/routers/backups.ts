import { z } from "zod";
import { authorize } from "@/server/auth/policy";
import { latestBackupRun, listBackupRuns } from "@/server/backups";
import { getConfig } from "@/server/config";
import { queues, sendJob } from "@/server/jobs";
import { protectedProcedure, router } from "../trpc";

export const backupsRouter = router({
  /** Runs newest first, and where and how long backups are kept. */
  status: protectedProcedure.input(z.object({ cursor: z.uuid().optional() }).default({})).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "admin:access");
    const cfg = getConfig().backups;
    const [runs, latest, mine] = await Promise.all([
      listBackupRuns(ctx.db, { cursor: input.cursor, limit: 20 }),
      latestBackupRun(ctx.db),
      latestBackupRun(ctx.db, { triggeredBy: ctx.user.id }),
    ]);
    return { config: { dir: cfg.dir, retentionDays: cfg.retentionDays, cron: cfg.cron }, runs, latest, mine };
  }),

  /** Queues a backup run for the workers (a running one makes it a no-op). */
  runNow: protectedProcedure.mutation(async ({ ctx }) => {
    authorize(ctx.actor, "backups:run");
    const jobId = await sendJob(queues.backupRun, { trigger: "manual", triggeredBy: ctx.user.id }, { retryLimit: 0 });
    ctx.audit.targetType = "backup";
    ctx.audit.targetId = jobId ?? undefined;
    return { jobId };
  }),
});
