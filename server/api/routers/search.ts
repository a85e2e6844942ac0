import { z } from "zod";
import { can } from "@/server/auth/policy";
import { searchCertificates, searchCode, searchMergeRequests, searchOrgs, searchPipelines, searchRepos, searchUsers } from "@/server/search";
import { protectedProcedure, router } from "../trpc";

/** Shorter queries would match nearly everything (and make git grep read every file for little). */
export const MIN_QUERY = 2;
const LIMIT = 50;

export const searchRouter = router({
  /**
   * Organizations, repositories, code, merge requests, certificates and pipelines the caller
   * may see (each through the policy; admins: all) and, for admins, users.
   */
  query: protectedProcedure.input(z.object({ q: z.string().trim().max(100) })).query(async ({ ctx, input }) => {
    const tooShort = input.q.length < MIN_QUERY;
    if (tooShort) return { tooShort, orgs: [], repos: [], code: { hits: [], complete: true }, mergeRequests: [], certificates: [], pipelines: [], users: null };
    const allOrgs = can(ctx.actor, "orgs:list-all");
    const scope = { q: input.q, userId: ctx.user.id, all: allOrgs, limit: LIMIT };
    const [orgs, repos, code, mergeRequests, certificates, pipelines, users] = await Promise.all([
      searchOrgs(ctx.db, scope),
      searchRepos(ctx.db, scope),
      searchCode(ctx.db, ctx.actor, input.q),
      searchMergeRequests(ctx.db, scope),
      searchCertificates(ctx.db, ctx.actor, { q: input.q, limit: LIMIT }),
      searchPipelines(ctx.db, ctx.actor, { q: input.q, limit: LIMIT }),
      can(ctx.actor, "users:read") ? searchUsers(ctx.db, { q: input.q, limit: LIMIT }) : Promise.resolve(null),
    ]);
    return { tooShort, orgs, repos, code, mergeRequests, certificates, pipelines, users };
  }),
});
