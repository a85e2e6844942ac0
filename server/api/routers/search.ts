import { z } from "zod";
import { can } from "@/server/auth/policy";
import { searchMergeRequests, searchOrgs, searchRepos, searchUsers } from "@/server/search";
import { protectedProcedure, router } from "../trpc";

export const searchRouter = router({
  /** Organizations, repositories and merge requests the caller can see (admins: all) and, for admins, users. */
  query: protectedProcedure.input(z.object({ q: z.string().trim().max(100) })).query(async ({ ctx, input }) => {
    if (!input.q) return { orgs: [], repos: [], mergeRequests: [], users: null };
    const allOrgs = can(ctx.actor, "orgs:list-all");
    const scope = { q: input.q, userId: ctx.user.id, all: allOrgs, limit: 50 };
    const [orgs, repos, mergeRequests, users] = await Promise.all([
      searchOrgs(ctx.db, scope),
      searchRepos(ctx.db, scope),
      searchMergeRequests(ctx.db, scope),
      can(ctx.actor, "users:read") ? searchUsers(ctx.db, { q: input.q, limit: 50 }) : Promise.resolve(null),
    ]);
    return { orgs, repos, mergeRequests, users };
  }),
});
