import { z } from "zod";
import { changeOwnPassword } from "@/server/auth/change-password";
import { authorize } from "@/server/auth/policy";
import { issueToken, listTokens, revokeToken } from "@/server/auth/tokens";
import { updateOwnProfile } from "@/server/users/profile";
import { InputError } from "@/server/errors";
import { protectedProcedure, router } from "../trpc";

export const meRouter = router({
  get: protectedProcedure.query(({ ctx }) => {
    authorize(ctx.actor, "self:read");
    const { id, username, displayName, email, isAdmin, source, createdAt, lastLoginAt } = ctx.user;
    return { id, username, displayName, email, isAdmin, source, createdAt, lastLoginAt };
  }),

  updateProfile: protectedProcedure
    .input(
      z.object({
        displayName: z.string().trim().min(1, "Name is required").max(100, "At most 100 characters"),
        email: z.union([z.literal(""), z.email("Enter a valid email address").max(254)]),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "self:update");
      await updateOwnProfile(ctx.db, ctx.user, { displayName: input.displayName, email: input.email || null });
      ctx.audit.targetType = "user";
      ctx.audit.targetId = ctx.user.username;
    }),

  changePassword: protectedProcedure
    .input(
      z.object({
        current: z.string().min(1, "Enter your current password").max(1024),
        password: z.string().max(256, "Password must be at most 256 characters"),
        confirm: z.string().max(256),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "self:update");
      ctx.audit.targetType = "user";
      ctx.audit.targetId = ctx.user.username;
      await changeOwnPassword(ctx.db, ctx.user, input);
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
        expiresAt: z.coerce.date({ error: "Choose an expiry date (or no expiry)" }).nullable(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "self:tokens");
      const created = await issueToken(ctx.db, { user: ctx.user, ...input });
      ctx.audit.targetType = "token";
      ctx.audit.targetId = created.id;
      ctx.audit.details = { name: input.name, scope: input.scope };
      return created;
    }),

  revokeToken: protectedProcedure.input(z.object({ id: z.string().uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "self:tokens");
    if (!(await revokeToken(ctx.db, ctx.user.id, input.id))) throw new InputError("id", "No such active token");
    ctx.audit.targetType = "token";
    ctx.audit.targetId = input.id;
  }),
});
