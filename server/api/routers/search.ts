import { z } from "zod";
import { can } from "@/server/auth/policy";
import { searchOrgs, searchUsers } from "@/server/search";
import { protectedProcedure, router } from "../trpc";

export const searchRouter = router({
  /** Organizations the caller can see (admins: all) and, for admins, users. */
  query: protectedProcedure.input(z.object({ q: z.string().trim().max(100) })).query(async ({ ctx, input }) => {
    if (!input.q) return { orgs: [], users: null };
    const allOrgs = can(ctx.actor, "orgs:list-all");
    const [orgs, users] = await Promise.all([
      searchOrgs(ctx.db, { q: input.q, userId: ctx.user.id, all: allOrgs, limit: 50 }),
      can(ctx.actor, "users:read") ? searchUsers(ctx.db, { q: input.q, limit: 50 }) : Promise.resolve(null),
    ]);
    return { orgs, users };
  }),
});
