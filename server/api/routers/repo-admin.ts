import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { identityOf } from "@/server/git/plumbing/commit";
import { commitEdit, loadEditor, splitBranchAndPath } from "@/server/git/edit";
import { afterPush, finishPush, recordPush } from "@/server/git/events";
import { flowSuggestions, startFlowBranch } from "@/server/git/flow";
import { lastHousekeeping, requestHousekeeping } from "@/server/git/housekeeping";
import {
  addProtection,
  createRepository,
  deleteRepository,
  projectRepoReason,
  removeProtection,
  renameRepository,
  setRepositoryArchived,
  updateProtection,
  updateRepository,
} from "@/server/git/manage";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { cloneUrl } from "@/server/git/paths";
import type { RefUpdate } from "@/server/git/protection";
import { listBranches } from "@/server/git/plumbing/read";
import { getRepo, listProtections } from "@/server/git/repos";
import { getConfig } from "@/server/config";
import { orgScopeFor } from "@/server/orgs";
import type { User } from "@/server/users";
import { asField, InputError } from "@/server/errors";
import { protectedProcedure, router, type Context } from "../trpc";

const slug = z.string().trim().min(1).max(63);
const name = z.string().trim().min(1).max(100);
const repoRef = z.object({ slug, name });
const protection = z.object({
  pattern: z.string().trim().min(1, "Pattern is required").max(200),
  pushAccess: z.enum(["nobody", "leaders", "developers"]),
  allowForcePush: z.boolean(),
  allowDeletion: z.boolean(),
});

/** Loads the repository and checks `action` for the caller (404 for non-members and unknown repos). */
async function repoFor(ctx: Context & { user: User }, input: { slug: string; name: string }, action: "repo:read" | "repo:write" | "repo:admin") {
  const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
  authorize(ctx.actor, action, found?.scope ?? null);
  const repo = await getRepo(ctx.db, input.slug, input.name);
  if (!repo || !found) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
  ctx.audit.orgId = found.org.id;
  ctx.audit.targetType = "repository";
  ctx.audit.targetId = `${repo.orgSlug}/${repo.name}`;
  const pusher = { actor: ctx.actor, scope: found.scope };
  return { org: found.org, scope: found.scope, repo, pusher };
}

/** Server-side ref changes are pushes too: mark the repo pushed and fan out (mirrors, webhooks), as the user. */
async function announce(repo: Parameters<typeof afterPush>[0], updates: RefUpdate[], user: User) {
  await afterPush(repo, updates, user).catch((e) => console.error("after-push handling failed:", e instanceof Error ? e.message : e));
}

export const repoAdminRouter = router({
  create: protectedProcedure
    .input(
      z.object({
        slug,
        name: z.string().trim().min(1, "Name is required").max(100, "At most 100 characters"),
        description: z.string().trim().max(500).default(""),
        defaultBranch: z.string().trim().max(200).default("develop"),
        withReadme: z.boolean().default(false),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const found = await orgScopeFor(ctx.db, input.slug, ctx.actor);
      authorize(ctx.actor, "repo:create", found?.scope ?? null);
      const org = found!.org;
      ctx.audit.orgId = org.id;
      ctx.audit.targetType = "repository";
      ctx.audit.targetId = `${org.slug}/${input.name}`;
      ctx.audit.details = { withReadme: input.withReadme, defaultBranch: input.defaultBranch };
      const repo = await createRepository(ctx.db, org, { ...input, defaultBranch: input.defaultBranch || "develop" });
      return { name: repo.name };
    }),

  settings: protectedProcedure.input(repoRef).query(async ({ ctx, input }) => {
    const { repo } = await repoFor(ctx, input, "repo:admin");
    const dir = await ensureRepoOnDisk(ctx.db, repo);
    const [protections, branches, housekeeping] = await Promise.all([listProtections(ctx.db, repo.id), listBranches(dir), lastHousekeeping(ctx.db, repo.id)]);
    return {
      repo,
      cloneUrl: cloneUrl(repo.orgSlug, repo.name),
      protections,
      branches: branches.map((b) => b.name),
      /** Why rename/delete are not offered (a repository of the org's project). */
      managedReason: projectRepoReason(repo),
      housekeeping: { last: housekeeping, cron: getConfig().git.housekeepingCron },
    };
  }),

  /** Queues housekeeping of this repository now (a no-op when one is already waiting). */
  runHousekeeping: protectedProcedure.input(repoRef).mutation(async ({ ctx, input }) => {
    const { repo } = await repoFor(ctx, input, "repo:admin");
    const jobId = await requestHousekeeping({ repoId: repo.id, trigger: "manual", triggeredBy: ctx.user.id }, 0);
    ctx.audit.details = { jobId };
    return { queued: jobId !== null };
  }),

  update: protectedProcedure
    .input(repoRef.extend({ description: z.string().trim().max(500), defaultBranch: z.string().trim().min(1, "Default branch is required").max(200) }))
    .mutation(async ({ ctx, input }) => {
      const { repo } = await repoFor(ctx, input, "repo:admin");
      ctx.audit.details = { description: input.description, defaultBranch: input.defaultBranch };
      await updateRepository(ctx.db, repo, input);
      return { ok: true };
    }),

  rename: protectedProcedure
    .input(repoRef.extend({ newName: z.string().trim().min(1, "Name is required").max(100, "At most 100 characters") }))
    .mutation(async ({ ctx, input }) => {
      const { repo } = await repoFor(ctx, input, "repo:admin");
      ctx.audit.details = { from: repo.name, to: input.newName };
      // The form's field is newName; the domain speaks of "name".
      const row = await renameRepository(ctx.db, repo, input.newName).catch((e: unknown) => {
        throw asField(e, "newName");
      });
      return { name: row.name };
    }),

  setArchived: protectedProcedure.input(repoRef.extend({ archived: z.boolean() })).mutation(async ({ ctx, input }) => {
    const { repo } = await repoFor(ctx, input, "repo:admin");
    ctx.audit.details = { archived: input.archived };
    await setRepositoryArchived(ctx.db, repo, input.archived);
    return { ok: true };
  }),

  delete: protectedProcedure.input(repoRef.extend({ confirm: z.string().max(100) })).mutation(async ({ ctx, input }) => {
    const { repo } = await repoFor(ctx, input, "repo:admin");
    await deleteRepository(ctx.db, repo, input.confirm);
    return { ok: true };
  }),

  addProtection: protectedProcedure.input(repoRef.extend({ rule: protection })).mutation(async ({ ctx, input }) => {
    const { repo } = await repoFor(ctx, input, "repo:admin");
    ctx.audit.details = input.rule;
    const row = await addProtection(ctx.db, repo, input.rule);
    return { id: row.id };
  }),

  updateProtection: protectedProcedure.input(repoRef.extend({ id: z.uuid(), rule: protection })).mutation(async ({ ctx, input }) => {
    const { repo } = await repoFor(ctx, input, "repo:admin");
    ctx.audit.details = { id: input.id, ...input.rule };
    await updateProtection(ctx.db, repo, input.id, input.rule);
    return { ok: true };
  }),

  removeProtection: protectedProcedure.input(repoRef.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const { repo } = await repoFor(ctx, input, "repo:admin");
    const row = await removeProtection(ctx.db, repo, input.id);
    ctx.audit.details = { pattern: row.pattern };
    return { ok: true };
  }),

  /** May the caller change this repository (edit links on file pages)? No git calls: cheap. */
  access: protectedProcedure.input(repoRef).query(async ({ ctx, input }) => {
    const { repo, scope } = await repoFor(ctx, input, "repo:read");
    return {
      canWrite: repo.kind === "standard" && !repo.archivedAt && can(ctx.actor, "repo:write", scope),
      canAdmin: can(ctx.actor, "repo:admin", scope),
    };
  }),

  /** What the repo home page offers: git-flow buttons with suggested versions, settings link. */
  flow: protectedProcedure.input(repoRef).query(async ({ ctx, input }) => {
    const { repo, scope } = await repoFor(ctx, input, "repo:read");
    const dir = await ensureRepoOnDisk(ctx.db, repo);
    const writable = repo.kind === "standard" && !repo.archivedAt;
    return {
      archived: !!repo.archivedAt,
      canWrite: writable && can(ctx.actor, "repo:write", scope),
      canAdmin: can(ctx.actor, "repo:admin", scope),
      suggestions: await flowSuggestions(dir),
    };
  }),

  startBranch: protectedProcedure
    .input(repoRef.extend({ kind: z.enum(["feature", "release", "hotfix"]), branch: z.string().max(200) }))
    .mutation(async ({ ctx, input }) => {
      const { repo, pusher } = await repoFor(ctx, input, "repo:write");
      const dir = await ensureRepoOnDisk(ctx.db, repo);
      const protections = await listProtections(ctx.db, repo.id);
      const created = await startFlowBranch(dir, repo, pusher, protections, input.kind, input.branch);
      ctx.audit.details = created;
      await announce(repo, [{ ref: `refs/heads/${created.branch}`, oldSha: "0".repeat(40), newSha: created.sha }], ctx.user);
      return created;
    }),

  /** /edit/<branch>/<path> and /new/<branch>/<dir>: the file and where it may be committed. */
  editor: protectedProcedure
    .input(repoRef.extend({ segments: z.array(z.string().max(255)).max(64), mode: z.enum(["edit", "new"]) }))
    .query(async ({ ctx, input }) => {
      const { repo, pusher } = await repoFor(ctx, input, "repo:write");
      const dir = await ensureRepoOnDisk(ctx.db, repo);
      const split = await splitBranchAndPath(dir, input.segments);
      if (!split || (input.mode === "edit" && !split.path)) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
      const protections = await listProtections(ctx.db, repo.id);
      const loaded = await loadEditor(dir, repo, pusher, protections, { ...split, mode: input.mode }).catch((e) => {
        if (e instanceof InputError) return null; // a path no file can have
        throw e;
      });
      if (!loaded) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
      const me = identityOf(ctx.user);
      return {
        repo: { name: repo.name, orgSlug: repo.orgSlug, kind: repo.kind, archived: !!repo.archivedAt },
        ...loaded,
        signoffAs: `${me.name} <${me.email}>`,
      };
    }),

  commit: protectedProcedure
    .input(
      repoRef.extend({
        branch: z.string().min(1).max(255),
        path: z.string().trim().min(1, "File path is required").max(1024),
        content: z.string().max(512 * 1024, "Files edited in the browser are limited to 512 KB"),
        message: z.string().trim().min(1, "Describe the change in a commit message").max(10_000),
        expectedSha: z.string().regex(/^[0-9a-f]{40,64}$/),
        isNew: z.boolean(),
        signoff: z.boolean().default(false),
        target: z.discriminatedUnion("kind", [
          z.object({ kind: z.literal("current") }),
          z.object({ kind: z.literal("new-feature"), name: z.string().max(120) }),
          z.object({ kind: z.literal("existing-feature"), branch: z.string().min(1).max(255), expectedSha: z.string().regex(/^[0-9a-f]{40,64}$/) }),
        ]),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { repo, pusher } = await repoFor(ctx, input, "repo:write");
      const dir = await ensureRepoOnDisk(ctx.db, repo);
      const protections = await listProtections(ctx.db, repo.id);
      // a browser commit is a push: its after-work is a push intent, like git's (docs/intents.md)
      const pushId = randomUUID();
      const done = await commitEdit(dir, repo, pusher, protections, { ...input, author: identityOf(ctx.user) }, (update) =>
        recordPush(ctx.db, pushId, repo, [update], ctx.user.id),
      );
      ctx.audit.details = { branch: done.branch, path: done.path, sha: done.sha };
      await finishPush(ctx.db, pushId, repo, [{ ref: `refs/heads/${done.branch}`, oldSha: done.oldSha, newSha: done.sha }], ctx.user).catch((e) =>
        console.error("after-push handling failed:", e instanceof Error ? e.message : e),
      );
      return { branch: done.branch, path: done.path, sha: done.sha };
    }),
});
