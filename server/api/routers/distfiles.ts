import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { getConfig } from "@/server/config";
import { NotFoundError } from "@/server/errors";
import { deleteDistfile, distfileStatsSummary, getDistfile, listDistfiles } from "@/server/farm/distfiles";
import { orgScopeFor } from "@/server/orgs";
import { protectedProcedure, router } from "../trpc";

const page = z.coerce.number().int().min(1).max(100_000).default(1);
const query = z.string().trim().max(200).optional();
const PER_PAGE = 50;

/** The distfiles mirror: the admin page (stats, every stored file, delete) and an organization's private distfiles. */
export const distfilesRouter = router({
  adminOverview: protectedProcedure.input(z.object({ page, query }).default({ page: 1 })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "admin:access");
    const cfg = getConfig().distfiles;
    const [stats, files] = await Promise.all([
      distfileStatsSummary(ctx.db),
      listDistfiles(ctx.db, { page: input.page, perPage: PER_PAGE, query: input.query }),
    ]);
    return { stats, files, config: { upstreams: cfg.upstreams, retentionDays: cfg.retentionDays, pruneCron: cfg.pruneCron, mirror: getConfig().publicUrl } };
  }),

  adminDelete: protectedProcedure.input(z.object({ id: z.guid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const row = await deleteDistfile(ctx.db, ctx.actor, input.id);
    return { filename: row.filename };
  }),

  /** One organization's private distfiles (members). */
  orgList: protectedProcedure.input(z.object({ org: z.string().min(1).max(63), page, query })).query(async ({ ctx, input }) => {
    const found = await orgScopeFor(ctx.db, input.org, ctx.actor);
    authorize(ctx.actor, "org:distfiles:read", found?.scope ?? null);
    const files = await listDistfiles(ctx.db, { page: input.page, perPage: PER_PAGE, query: input.query, orgId: found!.org.id });
    return { ...files, canManage: can(ctx.actor, "org:distfiles:manage", found!.scope), mirror: getConfig().publicUrl };
  }),

  /** Leaders delete one of their organization's private distfiles. */
  orgDelete: protectedProcedure.input(z.object({ org: z.string().min(1).max(63), id: z.guid() })).mutation(async ({ ctx, input }) => {
    const found = await orgScopeFor(ctx.db, input.org, ctx.actor);
    authorize(ctx.actor, "org:distfiles:manage", found?.scope ?? null);
    const row = await getDistfile(ctx.db, input.id);
    if (!row || row.orgId !== found!.org.id) throw new NotFoundError("No such distfile in this organization");
    await deleteDistfile(ctx.db, ctx.actor, row.id);
    return { filename: row.filename };
  }),
});
