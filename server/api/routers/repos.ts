import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { cloneUrl } from "@/server/git/paths";
import { listBranches, listTags, readTextFile } from "@/server/git/plumbing/read";
import { getRepo, listRepos } from "@/server/git/repos";
import { orgScopeFor } from "@/server/orgs";
import { protectedProcedure, router } from "../trpc";

const slug = z.string().trim().min(1).max(63);
const name = z.string().trim().min(1).max(100);

export const reposRouter = router({
  list: protectedProcedure.input(z.object({ slug })).query(async ({ ctx, input }) => {
    const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
    authorize(ctx.actor, "repo:read", found?.scope ?? null);
    const repos = await listRepos(ctx.db, found!.org.id);
    return {
      canCreate: can(ctx.actor, "repo:create", found!.scope),
      repos: repos.map((r) => ({ ...r, cloneUrl: cloneUrl(input.slug, r.name) })),
    };
  }),

  get: protectedProcedure.input(z.object({ slug, name })).query(async ({ ctx, input }) => {
    const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
    authorize(ctx.actor, "repo:read", found?.scope ?? null);
    const repo = await getRepo(ctx.db, input.slug, input.name);
    if (!repo) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
    const dir = await ensureRepoOnDisk(ctx.db, repo);
    const [branches, tags] = await Promise.all([listBranches(dir), listTags(dir)]);
    const ref = branches.some((b) => b.name === repo.defaultBranch) ? repo.defaultBranch : branches[0]?.name;
    const readme = ref ? await readTextFile(dir, ref, "README.md") : null;
    return {
      repo,
      cloneUrl: cloneUrl(repo.orgSlug, repo.name),
      branches,
      tags,
      ref: ref ?? null,
      readme,
      canWrite: can(ctx.actor, "repo:write", found!.scope) && repo.kind === "standard",
    };
  }),
});
