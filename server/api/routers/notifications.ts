import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import * as notifications from "@/server/notify";
import { kindInfo, kindNames } from "@/server/notify/kinds";
import { InputError } from "@/server/errors";
import { protectedProcedure, router } from "../trpc";

const ids = z.array(z.string().uuid()).min(1).max(200);

export const notificationsRouter = router({
  list: protectedProcedure
    .input(
      z.object({
        cursor: z.string().uuid().nullish(),
        limit: z.number().int().min(1).max(100).default(25),
        unreadOnly: z.boolean().default(false),
      }),
    )
    .query(({ ctx, input }) => {
      authorize(ctx.actor, "self:read");
      return notifications.listNotifications(ctx.db, ctx.user.id, input);
    }),

  unreadCount: protectedProcedure.query(({ ctx }) => {
    authorize(ctx.actor, "self:read");
    return notifications.unreadCount(ctx.db, ctx.user.id);
  }),

  markRead: protectedProcedure.input(z.object({ ids })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "self:update");
    ctx.audit.targetType = "notification";
    ctx.audit.details = { count: input.ids.length };
    return { changed: await notifications.markRead(ctx.db, ctx.user.id, input.ids) };
  }),

  markUnread: protectedProcedure.input(z.object({ ids })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "self:update");
    ctx.audit.targetType = "notification";
    ctx.audit.details = { count: input.ids.length };
    return { changed: await notifications.markUnread(ctx.db, ctx.user.id, input.ids) };
  }),

  markAllRead: protectedProcedure.mutation(async ({ ctx }) => {
    authorize(ctx.actor, "self:update");
    return { changed: await notifications.markAllRead(ctx.db, ctx.user.id) };
  }),

  preferences: protectedProcedure.query(({ ctx }) => {
    authorize(ctx.actor, "self:read");
    return notifications.getPreferences(ctx.db, ctx.user);
  }),

  setPreferences: protectedProcedure
    .input(
      z.object({
        preferences: z
          .array(z.object({ kind: z.enum(kindNames), inApp: z.boolean(), email: z.boolean() }))
          .min(1)
          .max(100),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "self:update");
      for (const p of input.preferences) {
        if (kindInfo(p.kind).adminOnly && !can(ctx.actor, "admin:access"))
          throw new InputError("preferences", `"${kindInfo(p.kind).label}" is only sent to administrators`);
      }
      await notifications.setPreferences(ctx.db, ctx.user.id, input.preferences);
      ctx.audit.targetType = "user";
      ctx.audit.targetId = ctx.user.username;
    }),
});
