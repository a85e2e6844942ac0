import { z } from "zod";
import { gettingStarted, instanceCounts, lastLdapSyncRun } from "@/server/admin";
import { changeUser, deleteUser, editUser, resetPassword, unlockSignIn } from "@/server/admin/users";
import { authorize, can } from "@/server/auth/policy";
import { jobStateCounts } from "@/server/jobs/admin";
import { listAllOrgs } from "@/server/orgs";
import { createLocalUser, listUsers } from "@/server/users";
import { protectedProcedure, router } from "../trpc";

const PAGE = 50;
const search = z.string().trim().max(100).optional();

export const adminRouter = router({
  /** For admin pages without data of their own: 404 unless the caller may enter the admin area. */
  access: protectedProcedure.query(({ ctx }) => {
    authorize(ctx.actor, "admin:access");
    return { createOrgs: can(ctx.actor, "orgs:create"), manageUsers: can(ctx.actor, "users:manage") };
  }),

  overview: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "admin:access");
    const [counts, lastSync, jobs, steps] = await Promise.all([
      instanceCounts(ctx.db),
      lastLdapSyncRun(ctx.db),
      jobStateCounts(ctx.db),
      gettingStarted(ctx.db),
    ]);
    return { counts, lastSync, jobs, steps };
  }),

  users: protectedProcedure.input(z.object({ q: search, cursor: z.string().max(128).optional() })).query(({ ctx, input }) => {
    authorize(ctx.actor, "users:read");
    return listUsers(ctx.db, { query: input.q || undefined, cursor: input.cursor, limit: PAGE });
  }),

  createUser: protectedProcedure
    .input(
      z.object({
        username: z.string().trim().min(1, "Username is required").max(63, "Use at most 63 characters"),
        displayName: z.string().trim().max(200).optional(),
        email: z.union([z.literal(""), z.email("Enter a valid email address").max(254)]).optional(),
        password: z.string().min(1, "Password is required").max(1024),
        isAdmin: z.boolean().default(false),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "users:manage");
      ctx.audit.targetType = "user";
      ctx.audit.targetId = input.username.toLowerCase();
      ctx.audit.details = { isAdmin: input.isAdmin };
      const user = await createLocalUser(ctx.db, {
        username: input.username,
        password: input.password,
        isAdmin: input.isAdmin,
        displayName: input.displayName || undefined,
        email: input.email || null,
      });
      ctx.audit.targetId = user.username;
      return { id: user.id, username: user.username };
    }),

  setAdmin: protectedProcedure.input(z.object({ userId: z.uuid(), isAdmin: z.boolean() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "users:manage");
    ctx.audit.targetType = "user";
    ctx.audit.targetId = input.userId;
    ctx.audit.details = { isAdmin: input.isAdmin };
    const user = await changeUser(ctx.db, ctx.user.id, input.userId, { isAdmin: input.isAdmin });
    ctx.audit.targetId = user.username;
  }),

  setDisabled: protectedProcedure.input(z.object({ userId: z.uuid(), disabled: z.boolean() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "users:manage");
    ctx.audit.targetType = "user";
    ctx.audit.targetId = input.userId;
    ctx.audit.details = { disabled: input.disabled };
    const user = await changeUser(ctx.db, ctx.user.id, input.userId, { disabled: input.disabled });
    ctx.audit.targetId = user.username;
  }),

  editUser: protectedProcedure
    .input(
      z.object({
        userId: z.uuid(),
        displayName: z.string().trim().min(1, "Name is required").max(200),
        email: z.union([z.literal(""), z.email("Enter a valid email address").max(254)]),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "users:manage");
      ctx.audit.targetType = "user";
      ctx.audit.targetId = input.userId;
      const user = await editUser(ctx.db, input.userId, { displayName: input.displayName, email: input.email || null });
      ctx.audit.targetId = user.username;
    }),

  resetPassword: protectedProcedure
    .input(z.object({ userId: z.uuid(), password: z.string().min(1, "Give the new password").max(256) }))
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "users:manage");
      ctx.audit.targetType = "user";
      ctx.audit.targetId = input.userId;
      const user = await resetPassword(ctx.db, ctx.user.id, input.userId, input.password);
      ctx.audit.targetId = user.username;
    }),

  /** Deletes an account: memberships and tokens go, what the person made stays (as a deleted user). */
  deleteUser: protectedProcedure.input(z.object({ userId: z.uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "users:manage");
    ctx.audit.targetType = "user";
    ctx.audit.targetId = input.userId;
    const deleted = await deleteUser(ctx.db, ctx.user.id, input.userId);
    ctx.audit.targetId = deleted.username;
    ctx.audit.details = { userId: input.userId, source: deleted.source, memberships: deleted.memberships, tokens: deleted.tokens };
    return { username: deleted.username };
  }),

  /** Lifts every failed-login lock on the account (the CLI's user:passwd does too). */
  unlockUser: protectedProcedure.input(z.object({ userId: z.uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "users:manage");
    ctx.audit.targetType = "user";
    ctx.audit.targetId = input.userId;
    const { username, unlocked } = await unlockSignIn(ctx.db, input.userId);
    ctx.audit.targetId = username;
    ctx.audit.details = { addresses: unlocked };
    return { unlocked };
  }),

  orgs: protectedProcedure.input(z.object({ q: search, cursor: z.string().max(128).optional() })).query(({ ctx, input }) => {
    authorize(ctx.actor, "orgs:list-all");
    return listAllOrgs(ctx.db, { query: input.q || undefined, cursor: input.cursor, limit: PAGE });
  }),
});
