import { z } from "zod";
import { authorize } from "@/server/auth/policy";
import { jobCursorPattern, jobQueues, jobStateCounts, jobStates, listJobs, retryJob } from "@/server/jobs/admin";
import { InputError } from "@/server/errors";
import { protectedProcedure, router } from "../trpc";

export const jobsRouter = router({
  list: protectedProcedure
    .input(
      z.object({
        queue: z.string().trim().max(200).optional(),
        state: z.enum(jobStates).optional(),
        archived: z.boolean().default(false),
        cursor: z.string().regex(jobCursorPattern, "Malformed cursor").optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      authorize(ctx.actor, "jobs:read");
      const queue = input.queue || undefined;
      const [page, counts, queues] = await Promise.all([listJobs(ctx.db, { ...input, queue, limit: 50 }), jobStateCounts(ctx.db, queue), jobQueues(ctx.db)]);
      return { ...page, counts, queues };
    }),

  retry: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "jobs:retry");
    ctx.audit.targetType = "job";
    ctx.audit.targetId = input.id;
    const result = await retryJob(ctx.db, input.id);
    if (result.status === "not-found") throw new InputError("id", "No such job (it may have been archived)");
    if (result.status === "not-failed") throw new InputError("id", `Only failed jobs can be retried; this one is ${result.state}`);
    ctx.audit.details = { queue: result.queue };
  }),
});
