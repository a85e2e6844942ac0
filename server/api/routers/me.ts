import { z } from "zod";
import { authorize } from "@/server/auth/policy";
import { createToken, listTokens, revokeToken } from "@/server/auth/tokens";
import { FieldError, protectedProcedure, router } from "../trpc";

export const meRouter = router({
  get: protectedProcedure.query(({ ctx }) => {
    authorize(ctx.actor, "self:read");
    const { id, username, displayName, email, isAdmin, source } = ctx.user;
    return { id, username, displayName, email, isAdmin, source };
  }),

  tokens: protectedProcedure.query(({ ctx }) => {
    authorize(ctx.actor, "self:read");
    return listTokens(ctx.db, ctx.user.id);
  }),

  createToken: protectedProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, "Name is required").max(100),
        scope: z.enum(["read", "write"]),
        expiresAt: z.coerce.date().nullable(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "self:tokens");
      if (input.expiresAt && input.expiresAt <= new Date()) throw new FieldError("expiresAt", "Expiry must be in the future");
      const created = await createToken(ctx.db, { userId: ctx.user.id, ...input });
      ctx.audit.targetType = "token";
      ctx.audit.targetId = created.id;
      ctx.audit.details = { name: input.name, scope: input.scope };
      return created;
    }),

  revokeToken: protectedProcedure.input(z.object({ id: z.string().uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "self:tokens");
    if (!(await revokeToken(ctx.db, ctx.user.id, input.id))) throw new FieldError("id", "No such active token");
    ctx.audit.targetType = "token";
    ctx.audit.targetId = input.id;
  }),
});
