import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import {
  bisectBuilds,
  compareBuilds,
  getBuild,
  listBuilds,
  rollbackPreview,
  rollbackTo,
  setBuildNotes,
  tagBuild,
  tagPattern,
  untagBuild,
} from "@/server/farm/builds";
import { protectedProcedure, router } from "../trpc";

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/);
const target = z.object({ environment: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), arch: name, profile: name });
const number = z.number().int().min(1).max(2_147_483_647);
const audit = (t: z.infer<typeof target>, n: number) => ({ targetType: "binhost_build", targetId: `${t.environment}/${t.arch}/${t.profile}#${n}` });

/** Published builds of a binhost (Gentoo Build Publisher's numbered builds): list, compare, bisect, notes, tags, rollback. */
export const publishedBuildsRouter = router({
  list: protectedProcedure.input(target).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:read");
    return { ...(await listBuilds(ctx.db, input)), canManage: can(ctx.actor, "binhost:builds"), canRollback: can(ctx.actor, "binhost:rollback") };
  }),

  get: protectedProcedure.input(target.extend({ number })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:read");
    const { number: n, ...t } = input;
    return { ...(await getBuild(ctx.db, t, n)), canManage: can(ctx.actor, "binhost:builds"), canRollback: can(ctx.actor, "binhost:rollback") };
  }),

  compare: protectedProcedure.input(target.extend({ from: number, to: number })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:read");
    const { from, to, ...t } = input;
    return compareBuilds(ctx.db, t, from, to);
  }),

  bisect: protectedProcedure.input(target.extend({ good: number, bad: number })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:read");
    const { good, bad, ...t } = input;
    return bisectBuilds(ctx.db, t, good, bad);
  }),

  setNotes: protectedProcedure.input(target.extend({ number, notes: z.string().max(20_000) })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "binhost:builds");
    const { number: n, notes, ...t } = input;
    const r = await setBuildNotes(ctx.db, t, n, notes);
    Object.assign(ctx.audit, audit(t, n));
    return r;
  }),

  tag: protectedProcedure
    .input(
      target.extend({
        number,
        name: z.string().trim().regex(tagPattern, "A tag is a lowercase letter, then up to 31 lowercase letters, digits, '.', '_' or '-'"),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.actor, "binhost:builds");
      const { number: n, name: tag, ...t } = input;
      const r = await tagBuild(ctx.db, t, n, tag, ctx.user.id);
      Object.assign(ctx.audit, { ...audit(t, n), details: { tag, movedFrom: r.movedFrom } });
      return { number: r.number, movedFrom: r.movedFrom };
    }),

  untag: protectedProcedure.input(target.extend({ name: z.string().max(32) })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "binhost:builds");
    const { name: tag, ...t } = input;
    const row = await untagBuild(ctx.db, t, tag);
    Object.assign(ctx.audit, {
      targetType: "binhost_tag",
      targetId: `${t.environment}/${t.arch}/${t.profile}@${tag}`,
      details: { publicationId: row.publicationId },
    });
    return { ok: true };
  }),

  /** What "Roll back to build N" would put back, for the confirmation. */
  rollbackPreview: protectedProcedure.input(target.extend({ number })).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "binhost:rollback");
    const { number: n, ...t } = input;
    return rollbackPreview(ctx.db, t, n);
  }),

  rollback: protectedProcedure.input(target.extend({ number })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "binhost:rollback");
    const { number: n, ...t } = input;
    Object.assign(ctx.audit, audit(t, n)); // a refused rollback is logged against its build too
    const r = await rollbackTo(ctx.db, t, n);
    ctx.audit.details = { rolledBackFrom: r.previousLive, to: r.number };
    return r;
  }),
});
