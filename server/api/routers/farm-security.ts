import { z } from "zod";
import { authorize } from "@/server/auth/policy";
import { listGlsaMatches, listGlsaScans, requestGlsaScan } from "@/server/farm/glsa-scan";
import { protectedProcedure, router } from "../trpc";

export const GLSA_PAGE_SIZE = 50;
const offset = z.number().int().min(0).max(1_000_000).default(0);

/** The GLSA watch (Admin → Build farm → Security): administrators only. */
export const farmSecurityRouter = router({
  overview: protectedProcedure.input(z.object({ openOffset: offset, resolvedOffset: offset })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "admin:access");
    const [open, resolved, scans] = await Promise.all([
      listGlsaMatches(ctx.db, { state: "open", limit: GLSA_PAGE_SIZE, offset: input.openOffset }),
      listGlsaMatches(ctx.db, { state: "resolved", limit: GLSA_PAGE_SIZE, offset: input.resolvedOffset }),
      listGlsaScans(ctx.db, 5),
    ]);
    return { open, resolved, scans, lastScan: scans[0] ?? null, pageSize: GLSA_PAGE_SIZE };
  }),

  scanNow: protectedProcedure.mutation(async ({ ctx }) => {
    authorize(ctx.actor, "farm:manage");
    const jobId = await requestGlsaScan(ctx.user);
    Object.assign(ctx.audit, { targetType: "glsa_scan", targetId: "all", details: { jobId } });
    return { jobId };
  }),
});
