import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { DbOrTx } from "@/db/client";
import type { Actor } from "@/server/auth/policy";
import { openReadableRepo } from "@/server/git/access";
import {
  aheadBehind,
  commitsBetween,
  getCommit,
  isSafePath,
  lastCommitFor,
  listCommits,
  listRefs,
  listTagsPage,
  listTree,
  lookupPath,
  readBlob,
  resolveRef,
  resolveRefPath,
} from "@/server/git/plumbing/browse";
import { diffCommits, diffOfCommit } from "@/server/git/plumbing/diff";
import { listBranches } from "@/server/git/plumbing/read";
import { statusesOf } from "@/server/mergerequests/statuses";
import type { RepoWithOrg } from "@/server/git/repos";
import { protectedProcedure, router } from "../trpc";

const slug = z.string().trim().min(1).max(63);
const name = z.string().trim().min(1).max(100);
const segments = z.array(z.string().max(1024)).min(1).max(256);
const page = z.number().int().min(1).max(100_000).default(1);
const hexName = z
  .string()
  .regex(/^(?:[0-9a-f]{2}){1,1024}$/)
  .optional();

export const COMMITS_PER_PAGE = 50;
export const BRANCHES_PER_PAGE = 25;
export const TAGS_PER_PAGE = 50;
/** Largest file shown inline; bigger ones get a notice and the raw link. */
export const MAX_BLOB_BYTES = 1024 * 1024;

const notFound = (message = "Not found") => new TRPCError({ code: "NOT_FOUND", message });

function summary(repo: RepoWithOrg, defaultRef: string | null) {
  return {
    name: repo.name,
    orgSlug: repo.orgSlug,
    kind: repo.kind,
    upstream: repo.upstream,
    description: repo.description,
    defaultBranch: repo.defaultBranch,
    /** where "Files" and "Commits" point: the default branch, else any; null for an empty repository */
    defaultRef,
  };
}

async function withRefs(db: DbOrTx, actor: Actor, orgSlug: string, repoName: string) {
  const opened = await openReadableRepo(db, actor, orgSlug, repoName);
  const refs = await listRefs(opened.dir);
  const hasDefault = refs.branches.some((b) => b.name === opened.repo.defaultBranch);
  return { ...opened, refs, info: summary(opened.repo, hasDefault ? opened.repo.defaultBranch : (refs.branches[0]?.name ?? null)) };
}

/** `segments` (+ optional raw name bytes for non-UTF-8 file names) → ref and path bytes. */
async function locate(dir: string, refs: Awaited<ReturnType<typeof listRefs>>, segs: string[], nameHex?: string) {
  const found = await resolveRefPath(dir, segs, refs);
  if (!found) throw notFound("No such branch, tag or commit");
  let bytes = Buffer.from(found.path, "utf8");
  if (nameHex) bytes = Buffer.concat([bytes, Buffer.from(found.path ? "/" : ""), Buffer.from(nameHex, "hex")]);
  const object = await lookupPath(dir, found.ref.commit, bytes);
  if (!object) throw notFound("No such file or directory");
  return { ...found, bytes, object, displayPath: bytes.toString("utf8") };
}

async function readmeOf(dir: string, entries: Awaited<ReturnType<typeof listTree>>["entries"]) {
  const entry = entries.find((e) => e.kind === "blob" && /^readme(\.md|\.markdown|\.txt)?$/i.test(e.name));
  if (!entry || (entry.size ?? 0) > 512 * 1024) return null;
  const blob = await readBlob(dir, entry.oid, entry.size ?? 0, 512 * 1024);
  return blob.text === null ? null : { name: entry.name, markdown: /\.(md|markdown)$/i.test(entry.name), text: blob.text };
}

export const codeRouter = router({
  /** Branches and tags, for ref pickers. */
  refs: protectedProcedure.input(z.object({ slug, name })).query(async ({ ctx, input }) => {
    const { refs, info } = await withRefs(ctx.db, ctx.actor, input.slug, input.name);
    return { repo: info, ...refs };
  }),

  /** A directory at a ref: entries (directories first), its last commit and README. */
  tree: protectedProcedure.input(z.object({ slug, name, segments, nameHex: hexName })).query(async ({ ctx, input }) => {
    const { dir, refs, info } = await withRefs(ctx.db, ctx.actor, input.slug, input.name);
    const at = await locate(dir, refs, input.segments, input.nameHex);
    const base = { repo: info, refs, ref: at.ref, path: at.displayPath, urlPath: at.path, linkable: !input.nameHex };
    if (at.object.type !== "tree") return { ...base, kind: "blob" as const };
    const [{ entries, truncated }, lastCommit] = await Promise.all([
      listTree(dir, at.object.oid),
      input.nameHex ? null : lastCommitFor(dir, at.ref.commit, at.path),
    ]);
    return { ...base, kind: "tree" as const, entries, truncated, lastCommit, readme: await readmeOf(dir, entries) };
  }),

  /** A file at a ref: its text (≤ 1 MB, not binary), or what it is and how big. */
  blob: protectedProcedure.input(z.object({ slug, name, segments, nameHex: hexName })).query(async ({ ctx, input }) => {
    const { dir, refs, info } = await withRefs(ctx.db, ctx.actor, input.slug, input.name);
    const at = await locate(dir, refs, input.segments, input.nameHex);
    const base = { repo: info, refs, ref: at.ref, path: at.displayPath, urlPath: at.path, linkable: !input.nameHex };
    if (at.object.type === "tree") return { ...base, kind: "tree" as const };
    if (at.object.type !== "blob") throw notFound("No such file");
    const [content, lastCommit] = await Promise.all([
      readBlob(dir, at.object.oid, at.object.size, MAX_BLOB_BYTES),
      input.nameHex ? null : lastCommitFor(dir, at.ref.commit, at.path),
    ]);
    return { ...base, kind: "blob" as const, size: at.object.size, ...content, lastCommit };
  }),

  /** Commit history of a ref, 50 a page, optionally of one path. */
  commits: protectedProcedure.input(z.object({ slug, name, ref: segments, path: z.string().max(4096).optional(), page })).query(async ({ ctx, input }) => {
    const { dir, refs, info, repo } = await withRefs(ctx.db, ctx.actor, input.slug, input.name);
    const ref = await resolveRef(dir, input.ref.join("/"), refs);
    if (!ref) throw notFound("No such branch, tag or commit");
    const path = input.path?.replace(/^\/+|\/+$/g, "") || undefined;
    if (path !== undefined && !isSafePath(path)) throw notFound("No such path");
    const { commits, hasMore } = await listCommits(dir, ref.commit, { path, skip: (input.page - 1) * COMMITS_PER_PAGE, limit: COMMITS_PER_PAGE });
    const statuses = Object.fromEntries(
      await statusesOf(
        ctx.db,
        repo.id,
        commits.map((c) => c.sha),
      ),
    );
    return { repo: info, refs, ref, path: path ?? null, page: input.page, commits, hasMore, statuses };
  }),

  /** One commit with its diff against its first parent. */
  commit: protectedProcedure.input(z.object({ slug, name, sha: z.string().max(64) })).query(async ({ ctx, input }) => {
    const { dir, info } = await withRefs(ctx.db, ctx.actor, input.slug, input.name);
    const commit = await getCommit(dir, input.sha);
    if (!commit) throw notFound("No such commit");
    return { repo: info, commit, diff: await diffOfCommit(dir, commit) };
  }),

  /** Branches with environment, last commit, default badge and ahead/behind develop. */
  branches: protectedProcedure.input(z.object({ slug, name, page })).query(async ({ ctx, input }) => {
    const { dir, refs, info } = await withRefs(ctx.db, ctx.actor, input.slug, input.name);
    const all = await listBranches(dir);
    const base = refs.branches.some((b) => b.name === "develop") ? "develop" : info.defaultRef;
    const start = (input.page - 1) * BRANCHES_PER_PAGE;
    const shown = all.slice(start, start + BRANCHES_PER_PAGE);
    const counts =
      base ?
        await aheadBehind(
          dir,
          base,
          shown.filter((b) => b.name !== base).map((b) => b.name),
        )
      : new Map();
    return {
      repo: info,
      base,
      page: input.page,
      total: all.length,
      hasMore: all.length > start + BRANCHES_PER_PAGE,
      branches: shown.map((b) => ({ ...b, isDefault: b.name === info.defaultBranch, ...(counts.get(b.name) ?? { ahead: null, behind: null }) })),
    };
  }),

  /** Tags, newest first, with their date. */
  tags: protectedProcedure.input(z.object({ slug, name, page })).query(async ({ ctx, input }) => {
    const { dir, info } = await withRefs(ctx.db, ctx.actor, input.slug, input.name);
    const { tags, hasMore } = await listTagsPage(dir, { skip: (input.page - 1) * TAGS_PER_PAGE, limit: TAGS_PER_PAGE });
    return { repo: info, page: input.page, tags, hasMore };
  }),

  /** What `head` has that `base` has not: the commits and the diff from their merge base. */
  compare: protectedProcedure
    .input(z.object({ slug, name, base: z.string().min(1).max(1024), head: z.string().min(1).max(1024) }))
    .query(async ({ ctx, input }) => {
      const { dir, refs, info } = await withRefs(ctx.db, ctx.actor, input.slug, input.name);
      const [base, head] = await Promise.all([resolveRef(dir, input.base, refs), resolveRef(dir, input.head, refs)]);
      if (!base || !head) throw notFound(`No such branch, tag or commit: ${!base ? input.base : input.head}`);
      const between = await commitsBetween(dir, base.commit, head.commit);
      const diff = await diffCommits(dir, between.mergeBase ?? base.commit, head.commit);
      return { repo: info, refs, base, head, ...between, diff };
    }),
});
