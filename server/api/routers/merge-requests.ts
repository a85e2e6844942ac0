import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize, can } from "@/server/auth/policy";
import { authorizeOnMergeRequest, mergeRequestAbilities, type MergeRequestAbility, type MergeRequestFacts } from "@/server/auth/policies/merge-request";
import { openReadableRepo } from "@/server/git/access";
import { commitsBetween } from "@/server/git/plumbing/browse";
import { diffCommits } from "@/server/git/plumbing/diff";
import { branchHead } from "@/server/git/plumbing/merge";
import { listBranches } from "@/server/git/plumbing/read";
import { listMembers } from "@/server/orgs";
import {
  createMergeRequest,
  getMergeRequest,
  listEvents,
  listMergeRequests,
  participants,
  setMergeRequestState,
  setAssignee,
  setReviewers,
  updateMergeRequest,
  type MergeRequest,
} from "@/server/mergerequests";
import { changesOf } from "@/server/mergerequests/changes";
import { inboxCounts, listInbox } from "@/server/mergerequests/inbox";
import { cancelAutoMerge, mergeChecks, mergeMergeRequest, refreshMergeRequest, rulesFor, setAutoMerge } from "@/server/mergerequests/merge";
import { addComment, approve, listThreads, revokeApproval, setThreadResolved } from "@/server/mergerequests/review";
import { setMergeRules } from "@/server/mergerequests/rules";
import { statusesOf } from "@/server/mergerequests/statuses";
import type { User } from "@/server/users";
import { protectedProcedure, router, type Context } from "../trpc";

const slug = z.string().trim().min(1).max(63);
const name = z.string().trim().min(1).max(100);
const number = z.number().int().min(1).max(10_000_000);
const sha = z.string().regex(/^[0-9a-f]{40,64}$/, "Not a commit id");
const page = z.number().int().min(1).max(100_000).default(1);
const mrRef = z.object({ slug, name, number });
const method = z.enum(["merge", "ff", "squash"]);

type Ctx = Context & { user: User };

async function openRepo(ctx: Ctx, input: { slug: string; name: string }, action: "mr:read" | "mr:create") {
  const opened = await openReadableRepo(ctx.db, ctx.actor, input.slug, input.name);
  authorize(ctx.actor, action, opened.scope);
  ctx.audit.orgId = opened.repo.orgId;
  return opened;
}

async function openMr(ctx: Ctx, input: { slug: string; name: string; number: number }) {
  const opened = await openRepo(ctx, input, "mr:read");
  const mr = await getMergeRequest(ctx.db, opened.repo.id, input.number);
  if (!mr) throw new TRPCError({ code: "NOT_FOUND", message: `No merge request !${input.number}` });
  ctx.audit.targetType = "merge_request";
  ctx.audit.targetId = `${opened.repo.orgSlug}/${opened.repo.name}!${mr.number}`;
  return { ...opened, mr };
}

async function factsOf(ctx: Ctx, mr: MergeRequest): Promise<MergeRequestFacts> {
  return { authorId: mr.authorId, targetBranch: mr.targetBranch, protection: await rulesFor(ctx.db, mr.repoId, mr.targetBranch) };
}

/** Opens the merge request and checks the actor may do `ability` with it. */
async function openMrFor(ctx: Ctx, input: { slug: string; name: string; number: number }, ability: MergeRequestAbility) {
  const opened = await openMr(ctx, input);
  authorizeOnMergeRequest(ctx.actor, ability, opened.scope, await factsOf(ctx, opened.mr));
  return opened;
}

export const mergeRequestsRouter = router({
  list: protectedProcedure
    .input(z.object({ slug, name, state: z.enum(["open", "merged", "closed", "all"]).default("open"), page }))
    .query(async ({ ctx, input }) => {
      const { repo, scope } = await openRepo(ctx, input, "mr:read");
      const list = await listMergeRequests(ctx.db, repo.id, input);
      return { ...list, page: input.page, state: input.state, canCreate: can(ctx.actor, "mr:create", scope) };
    }),

  /** What the "new merge request" form offers: branches and members who can review. */
  form: protectedProcedure.input(z.object({ slug, name })).query(async ({ ctx, input }) => {
    const { repo, dir } = await openRepo(ctx, input, "mr:create");
    const [branches, members] = await Promise.all([listBranches(dir), listMembers(ctx.db, repo.orgId)]);
    return {
      branches: branches.map((b) => b.name),
      defaultTarget: branches.some((b) => b.name === "develop") ? "develop" : repo.defaultBranch,
      reviewers: members.filter((m) => m.role !== "reporter").map((m) => ({ username: m.username, displayName: m.displayName })),
    };
  }),

  create: protectedProcedure
    .input(
      z.object({
        slug,
        name,
        title: z.string().trim().min(1, "Give the merge request a title").max(255, "At most 255 characters"),
        description: z.string().max(50_000, "At most 50,000 characters").default(""),
        sourceBranch: z.string().trim().min(1, "Pick a source branch").max(200),
        targetBranch: z.string().trim().min(1, "Pick a target branch").max(200),
        reviewers: z.array(z.string().max(100)).max(20).default([]),
        assignee: z.string().max(100).nullish(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { repo, dir } = await openRepo(ctx, input, "mr:create");
      const mr = await createMergeRequest(ctx.db, repo, dir, ctx.user, input);
      ctx.audit.targetType = "merge_request";
      ctx.audit.targetId = `${repo.orgSlug}/${repo.name}!${mr.number}`;
      ctx.audit.details = { sourceBranch: mr.sourceBranch, targetBranch: mr.targetBranch };
      return { number: mr.number };
    }),

  /** The Overview tab: the MR, people, activity, threads, checks and the merge box. */
  get: protectedProcedure.input(mrRef).query(async ({ ctx, input }) => {
    const opened = await openMr(ctx, input);
    const { repo, dir, scope } = opened;
    let mr = opened.mr;
    const [sourceHead, targetHead] = await Promise.all([branchHead(dir, mr.sourceBranch), branchHead(dir, mr.targetBranch)]);
    // A push the refresh job has not handled yet: catch up now, so the page (and its merge box) shows the real head.
    if (mr.state === "open" && sourceHead && sourceHead !== mr.headSha) {
      await refreshMergeRequest(ctx.db, mr.id);
      mr = (await getMergeRequest(ctx.db, repo.id, mr.number)) ?? mr;
    }
    const [people, events, threads, may] = await Promise.all([
      participants(ctx.db, mr),
      listEvents(ctx.db, mr.id),
      listThreads(ctx.db, mr.id),
      factsOf(ctx, mr).then((facts) => mergeRequestAbilities(ctx.actor, scope, facts)),
    ]);
    const checks = mr.state === "open" && sourceHead && targetHead ? await mergeChecks(ctx.db, dir, mr, mr.headSha, targetHead) : null;
    const statuses = (await statusesOf(ctx.db, repo.id, [mr.headSha])).get(mr.headSha) ?? [];
    const members = await listMembers(ctx.db, repo.orgId);
    return {
      candidates: members.filter((m) => m.role !== "reporter").map((m) => ({ username: m.username, displayName: m.displayName })),
      repo: {
        name: repo.name,
        orgSlug: repo.orgSlug,
        kind: repo.kind,
        upstream: repo.upstream,
        defaultBranch: repo.defaultBranch,
        defaultRef: repo.defaultBranch,
      },
      mr,
      ...people,
      events,
      threads,
      checks,
      statuses,
      branches: { source: sourceHead, target: targetHead },
      can: may,
      me: ctx.user.id,
    };
  }),

  /** The Commits tab. */
  commits: protectedProcedure.input(mrRef).query(async ({ ctx, input }) => {
    const { dir, mr } = await openMr(ctx, input);
    const base = mr.state === "merged" ? mr.baseSha : ((await branchHead(dir, mr.targetBranch)) ?? mr.baseSha);
    if (!base) return { mr, commits: [], total: 0, statuses: {} };
    const between = await commitsBetween(dir, base, mr.headSha);
    const statuses = await statusesOf(
      ctx.db,
      mr.repoId,
      between.commits.map((c) => c.sha),
    );
    return { mr, commits: between.commits, total: between.total, statuses: Object.fromEntries(statuses) };
  }),

  /** The Changes tab: the diff from the merge base to the source head, with line threads. */
  changes: protectedProcedure.input(mrRef).query(async ({ ctx, input }) => {
    const { dir, mr, scope } = await openMr(ctx, input);
    const canComment = can(ctx.actor, "mr:comment", scope);
    return { mr, canComment, ...(await changesOf(ctx.db, dir, mr)) };
  }),

  /** One file of the Changes tab, loaded when it is opened. */
  fileDiff: protectedProcedure
    .input(mrRef.extend({ from: sha, to: sha, paths: z.array(z.string().min(1).max(4096)).min(1).max(2) }))
    .query(async ({ ctx, input }) => {
      const { dir } = await openMr(ctx, input);
      const diff = await diffCommits(dir, input.from, input.to, undefined, input.paths);
      const file = diff.files.find((f) => input.paths.includes(f.newPath ?? f.oldPath ?? ""));
      if (!file) throw new TRPCError({ code: "NOT_FOUND", message: "That file is not part of this diff" });
      return file;
    }),

  update: protectedProcedure
    .input(mrRef.extend({ title: z.string().trim().min(1, "Give the merge request a title").max(255), description: z.string().max(50_000) }))
    .mutation(async ({ ctx, input }) => {
      const { repo, mr } = await openMrFor(ctx, input, "update");
      await updateMergeRequest(ctx.db, repo, mr, ctx.user, input);
      return { ok: true };
    }),

  setReviewers: protectedProcedure
    .input(mrRef.extend({ reviewers: z.array(z.string().max(100)).max(20, "At most 20 reviewers") }))
    .mutation(async ({ ctx, input }) => {
      const { repo, mr } = await openMrFor(ctx, input, "update");
      ctx.audit.details = { reviewers: input.reviewers };
      await setReviewers(ctx.db, repo, mr, ctx.user, input.reviewers);
      return { ok: true };
    }),

  setAssignee: protectedProcedure.input(mrRef.extend({ assignee: z.string().max(100).nullable() })).mutation(async ({ ctx, input }) => {
    const { repo, mr } = await openMrFor(ctx, input, "update");
    ctx.audit.details = { assignee: input.assignee };
    await setAssignee(ctx.db, repo, mr, ctx.user, input.assignee);
    return { ok: true };
  }),

  setState: protectedProcedure.input(mrRef.extend({ state: z.enum(["open", "closed"]) })).mutation(async ({ ctx, input }) => {
    const { repo, dir, mr } = await openMrFor(ctx, input, "update");
    ctx.audit.details = { state: input.state };
    await setMergeRequestState(ctx.db, repo, dir, mr, ctx.user, input.state);
    return { ok: true };
  }),

  merge: protectedProcedure
    .input(
      mrRef.extend({
        method: method.default("merge"),
        deleteSource: z.boolean().default(false),
        expectedHeadSha: sha,
        whenChecksPass: z.boolean().default(false),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { repo, mr } = await openMrFor(ctx, input, "merge");
      ctx.audit.details = { method: input.method, deleteSource: input.deleteSource, whenChecksPass: input.whenChecksPass };
      const opts = { method: input.method, deleteSource: input.deleteSource, expectedHeadSha: input.expectedHeadSha };
      if (input.whenChecksPass) {
        const r = await setAutoMerge(ctx.db, repo, mr, ctx.user, opts);
        return { merged: r.merged, commit: r.merged ? r.commit : null };
      }
      const r = await mergeMergeRequest(ctx.db, repo, mr.id, ctx.user, opts);
      return { merged: true, commit: r.commit };
    }),

  cancelAutoMerge: protectedProcedure.input(mrRef).mutation(async ({ ctx, input }) => {
    const { mr } = await openMrFor(ctx, input, "merge");
    await cancelAutoMerge(ctx.db, mr, ctx.user);
    return { ok: true };
  }),

  approve: protectedProcedure.input(mrRef.extend({ expectedHeadSha: sha })).mutation(async ({ ctx, input }) => {
    const { repo, mr } = await openMrFor(ctx, input, "approve");
    await approve(ctx.db, repo, mr, ctx.user, input.expectedHeadSha);
    return { ok: true };
  }),

  revokeApproval: protectedProcedure.input(mrRef).mutation(async ({ ctx, input }) => {
    const { repo, mr } = await openMrFor(ctx, input, "approve");
    await revokeApproval(ctx.db, repo, mr, ctx.user);
    return { ok: true };
  }),

  comment: protectedProcedure
    .input(
      mrRef.extend({
        body: z.string().max(20_000, "At most 20,000 characters"),
        threadId: z.uuid().nullish(),
        path: z.string().min(1).max(4096).nullish(),
        line: z.number().int().min(1).max(10_000_000).nullish(),
        side: z.enum(["old", "new"]).nullish(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { repo, mr } = await openMrFor(ctx, input, "comment");
      const c = await addComment(ctx.db, repo, mr, ctx.user, input);
      ctx.audit.details = { commentId: c.id, path: c.path, line: c.line };
      return { id: c.id };
    }),

  resolveThread: protectedProcedure.input(mrRef.extend({ threadId: z.uuid(), resolved: z.boolean() })).mutation(async ({ ctx, input }) => {
    const { mr } = await openMrFor(ctx, input, "comment");
    await setThreadResolved(ctx.db, mr, ctx.user, input.threadId, input.resolved);
    return { ok: true };
  }),

  /** A protected branch's merge rules (repository settings, leaders). */
  setMergeRules: protectedProcedure
    .input(
      z.object({
        slug,
        name,
        id: z.uuid(),
        requiredApprovals: z.number().int().min(0, "At least 0").max(20, "At most 20"),
        authorsCannotApprove: z.boolean(),
        requireSignoff: z.boolean(),
        requireResolvedThreads: z.boolean().default(false),
        requiredContexts: z.array(z.string().max(255)).max(20, "At most 20 required contexts"),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const opened = await openReadableRepo(ctx.db, ctx.actor, input.slug, input.name);
      authorize(ctx.actor, "repo:admin", opened.scope);
      const { slug: _s, name: _n, id, ...rules } = input;
      const row = await setMergeRules(ctx.db, opened.repo, id, rules);
      ctx.audit.orgId = opened.repo.orgId;
      ctx.audit.targetType = "repository";
      ctx.audit.targetId = `${opened.repo.orgSlug}/${opened.repo.name}`;
      ctx.audit.details = { pattern: row.pattern, ...rules };
      return { ok: true };
    }),

  /** The Inbox: merge requests in the caller's orgs by relation to them. */
  inbox: protectedProcedure
    .input(z.object({ filter: z.enum(["assigned", "review", "created", "all"]).default("review"), page }))
    .query(async ({ ctx, input }) => ({ ...(await listInbox(ctx.db, ctx.user, input.filter, input.page)), filter: input.filter, page: input.page })),

  inboxCounts: protectedProcedure.query(({ ctx }) => inboxCounts(ctx.db, ctx.user)),
});
