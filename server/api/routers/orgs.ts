import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import * as orgs from "@/server/orgs";
import { getUserByUsername } from "@/server/users";
import { InputError } from "@/server/errors";
import { protectedProcedure, router, type Context } from "../trpc";

const slug = z.string().trim().min(1).max(63);
const role = z.enum(["leader", "developer", "reporter"]);

/** Loads the org by slug and checks `action` for the caller (404 for non-members). */
async function orgFor(ctx: Context, slugValue: string, action: Parameters<typeof authorize>[1] & `org:${string}`) {
  const found = await orgs.orgScopeFor(ctx.db, slugValue, ctx.actor);
  authorize(ctx.actor, action, found?.scope ?? null);
  ctx.audit.orgId = found!.org.id;
  return found!;
}

/** Links of the org sidebar only some members may open. */
export type OrgLinks = { audit: boolean };

export const orgsRouter = router({
  mine: protectedProcedure.query(({ ctx }) => {
    authorize(ctx.actor, "self:read");
    return orgs.listOrgsForUser(ctx.db, ctx.user.id);
  }),

  /** Which of the org sidebar's leader-only links each of the caller's orgs shows (the pages' own policy). */
  /** The sidebar's links the actor may open: the admin area, and per org the leader-only ones. */
  navigation: protectedProcedure.query(async ({ ctx }) => {
    const adminArea = can(ctx.actor, "admin:access");
    // whoever reads every org's audit log needs no per-org answer
    const everyOrg: OrgLinks | null = can(ctx.actor, "audit:read-all") ? { audit: true } : null;
    const mine = everyOrg ? [] : await orgs.listOrgsForUser(ctx.db, ctx.user.id);
    const perOrg = Object.fromEntries(
      mine.map((o) => {
        const scope = { id: o.id, archived: o.archivedAt !== null, role: o.role };
        return [o.slug, { audit: can(ctx.actor, "org:audit:read", scope) }];
      }),
    ) as Record<string, OrgLinks>;
    return { adminArea, everyOrg, orgs: perOrg };
  }),

  get: protectedProcedure.input(z.object({ slug })).query(async ({ ctx, input }) => {
    const { org, scope } = await orgFor(ctx, input.slug, "org:read");
    const members = await orgs.listMembers(ctx.db, org.id);
    return {
      org,
      role: scope.role,
      members,
      permissions: {
        manageMembers: can(ctx.actor, "org:members:manage", scope),
        update: can(ctx.actor, "org:update", scope),
        archive: can(ctx.actor, "org:archive", scope),
        readAudit: can(ctx.actor, "org:audit:read", scope),
      },
    };
  }),

  create: protectedProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, "Name is required").max(100),
        slug: z.string().trim().max(63).optional(),
        description: z.string().trim().max(500).optional(),
        /** username of its first leader; nobody (not even the creating admin) is added otherwise */
        leader: z.string().trim().max(63).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "orgs:create");
      const { leader: leaderName, ...fields } = input;
      const leader = leaderName ? await getUserByUsername(ctx.db, leaderName) : null;
      if (leaderName && !leader) throw new InputError("leader", `No user named ${leaderName.toLowerCase()}`);
      const org = await orgs.createOrg(ctx.db, { ...fields, source: "local", members: leader ? [{ userId: leader.id, role: "leader" }] : [] });
      ctx.audit.orgId = org.id;
      ctx.audit.targetType = "org";
      ctx.audit.targetId = org.slug;
      return { slug: org.slug };
    }),

  addMember: protectedProcedure
    .input(z.object({ slug, username: z.string().trim().min(1, "Username is required").max(128), role }))
    .mutation(async ({ ctx, input }) => {
      const { org } = await orgFor(ctx, input.slug, "org:members:manage");
      const user = await orgs.addMemberWithNotice(ctx.db, { org, username: input.username, role: input.role, by: ctx.user });
      ctx.audit.targetType = "user";
      ctx.audit.targetId = user.username;
      ctx.audit.details = { role: input.role };
    }),

  setRole: protectedProcedure.input(z.object({ slug, userId: z.string().uuid(), role })).mutation(async ({ ctx, input }) => {
    const { org } = await orgFor(ctx, input.slug, "org:members:manage");
    await orgs.setMemberRole(ctx.db, org.id, input.userId, input.role);
    ctx.audit.targetType = "user";
    ctx.audit.targetId = input.userId;
    ctx.audit.details = { role: input.role };
  }),

  removeMember: protectedProcedure.input(z.object({ slug, userId: z.string().uuid() })).mutation(async ({ ctx, input }) => {
    const { org } = await orgFor(ctx, input.slug, "org:members:manage");
    await orgs.removeMember(ctx.db, org.id, input.userId);
    ctx.audit.targetType = "user";
    ctx.audit.targetId = input.userId;
  }),

  setArchived: protectedProcedure.input(z.object({ slug, archived: z.boolean() })).mutation(async ({ ctx, input }) => {
    const { org } = await orgFor(ctx, input.slug, "org:archive");
    await orgs.setArchived(ctx.db, org.id, input.archived);
    ctx.audit.details = { archived: input.archived };
  }),
});
