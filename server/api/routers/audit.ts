import { z } from "zod";
import { authorize, type Actor } from "@/server/auth/policy";
import { listAudit } from "@/server/audit";
import { listAuditActions } from "@/server/audit/actions";
import { orgScopeFor } from "@/server/orgs";
import { protectedProcedure, router, type Context } from "../trpc";

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-01-31")
  .refine((s) => !Number.isNaN(Date.parse(s)), "Not a valid date");

/** Whose log: the whole instance (admins) or one org (its leaders; others get 404). */
async function orgIdFor(ctx: Context & { actor: Actor }, slug: string | undefined): Promise<string | undefined> {
  if (!slug) {
    authorize(ctx.actor, "audit:read-all");
    return undefined;
  }
  const found = await orgScopeFor(ctx.db, slug, ctx.actor);
  authorize(ctx.actor, "org:audit:read", found?.scope ?? null);
  return found!.org.id;
}

export const auditRouter = router({
  list: protectedProcedure
    .input(
      z.object({
        slug: z.string().trim().min(1).max(63).optional(),
        user: z.string().trim().max(128).optional(),
        action: z.string().trim().max(200).optional(),
        /** inclusive days, UTC */
        from: day.optional(),
        to: day.optional(),
        cursor: z.number().int().positive().optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const orgId = await orgIdFor(ctx, input.slug);
      return listAudit(ctx.db, {
        orgId,
        actorName: input.user || undefined,
        action: input.action || undefined,
        from: input.from ? new Date(`${input.from}T00:00:00.000Z`) : undefined,
        to: input.to ? new Date(`${input.to}T23:59:59.999Z`) : undefined,
        cursor: input.cursor,
        limit: 50,
      });
    }),

  actions: protectedProcedure.input(z.object({ slug: z.string().trim().min(1).max(63).optional() })).query(async ({ ctx, input }) => {
    const orgId = await orgIdFor(ctx, input.slug);
    return listAuditActions(ctx.db, orgId);
  }),
});
