import { and, desc, eq } from "drizzle-orm";
import semver from "semver";
import type { Db } from "@/db/client";
import { mergeRequests, releases, tinderboxRuns } from "@/db/schema";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { branchHead } from "@/server/git/plumbing/merge";
import { getRepo } from "@/server/git/repos";
import type { MergeRequest } from "@/server/mergerequests";
import { mergeChecks } from "@/server/mergerequests/merge";
import type { ModuleChange } from "./resolve";
import { PUPPET_REPO, TINDERBOX_BRANCH } from "./run";

/**
 * The leader's Updates card (the org page): the open tinderbox merge request with its checks
 * and the changes of the run that proposed it, grouped by module; once merged (and not yet
 * released), the release to bake with the bump the changes call for.
 */
export type ModuleUpdate = {
  module: string;
  type: ModuleChange["type"];
  from: string | null;
  to: string;
  /** the module's CHANGELOG.md sections between the two versions, when it could be read */
  changelog: string | null;
};

const short = (sha: string) => sha.slice(0, 12);

export function moduleUpdates(changes: ModuleChange[]): ModuleUpdate[] {
  const label = (c: ModuleChange, x: { ref: string; sha: string }) => (c.type === "tag" ? x.ref : `${x.ref} ${short(x.sha)}`);
  return [...changes]
    .sort((a, b) => a.module.localeCompare(b.module))
    .map((c) => ({ module: c.module, type: c.type, from: c.from ? label(c, c.from) : null, to: label(c, c.to), changelog: c.changelog ?? null }));
}

/**
 * The release an update calls for: minor when a module is new or moved to another major or
 * minor version, patch otherwise (patch versions, branch and commit moves).
 */
export function releaseBump(changes: ModuleChange[]): "minor" | "patch" {
  for (const c of changes) {
    if (!c.from) return "minor";
    const a = semver.coerce(c.from.version ?? null);
    const b = semver.coerce(c.to.version ?? null);
    if (c.type === "tag" && a && b && (a.major !== b.major || a.minor !== b.minor)) return "minor";
  }
  return "patch";
}

async function changesOfMr(db: Db, mrId: string) {
  const [run] = await db
    .select({ changes: tinderboxRuns.changes })
    .from(tinderboxRuns)
    .where(eq(tinderboxRuns.mergeRequestId, mrId))
    .orderBy(desc(tinderboxRuns.createdAt))
    .limit(1);
  return (run?.changes?.modules ?? []) as ModuleChange[];
}

export async function tinderboxUpdates(db: Db, orgSlug: string) {
  const repo = await getRepo(db, orgSlug, PUPPET_REPO);
  if (!repo) return null;
  const tinderboxMrs = and(eq(mergeRequests.repoId, repo.id), eq(mergeRequests.sourceBranch, TINDERBOX_BRANCH), eq(mergeRequests.targetBranch, "develop"));
  const [open] = await db
    .select()
    .from(mergeRequests)
    .where(and(tinderboxMrs, eq(mergeRequests.state, "open")))
    .limit(1);
  let pending = null;
  if (open) {
    const dir = await ensureRepoOnDisk(db, repo);
    const target = await branchHead(dir, open.targetBranch);
    const checks = target ? await mergeChecks(db, dir, open as MergeRequest, open.headSha, target) : null;
    const changes = await changesOfMr(db, open.id);
    pending = {
      mr: { id: open.id, number: open.number, title: open.title, headSha: open.headSha, mergeability: open.mergeability, authorId: open.authorId },
      checks: checks && { ok: checks.ok, reasons: checks.reasons, approvals: checks.approvals },
      modules: moduleUpdates(changes),
    };
  }
  // merged since the last release of the puppet repository: time to bake one
  const [lastRelease] = await db
    .select({ publishedAt: releases.publishedAt })
    .from(releases)
    .where(eq(releases.repoId, repo.id))
    .orderBy(desc(releases.publishedAt))
    .limit(1);
  const [merged] = await db
    .select()
    .from(mergeRequests)
    .where(and(tinderboxMrs, eq(mergeRequests.state, "merged")))
    .orderBy(desc(mergeRequests.mergedAt))
    .limit(1);
  const unreleased = merged?.mergedAt && (!lastRelease || merged.mergedAt > lastRelease.publishedAt) ? merged : null;
  const toRelease = unreleased && { number: unreleased.number, title: unreleased.title, bump: releaseBump(await changesOfMr(db, unreleased.id)) };
  return { repo, pending, merged: toRelease };
}
