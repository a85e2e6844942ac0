import { infrastructureRepo } from "@/server/git/infrastructure";
import { desc } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx } from "@/db/client";
import { portageTreeSyncs } from "@/db/schema";
import { getConfig } from "@/server/config";
import { NotFoundError, StateError } from "@/server/errors";
import { cloneUrl } from "@/server/git/paths";
import { commitsBetween, getCommit } from "@/server/git/plumbing/browse";
import { rookeryIdentity } from "@/server/git/plumbing/commit";
import {
  branchHead,
  branchHeads,
  casUpdateRef,
  cherryPickOnto,
  commitTree,
  createBranch,
  historyOrder,
  isAncestor,
  mergeTree,
} from "@/server/git/plumbing/merge";
import { parseMirrorUrl, redact, remoteArgs, runGitTimed } from "@/server/git/pull-mirror";
import { INFRASTRUCTURE_ORG, markPushed, PORTAGE_TREE_REPO, TREE_BRANCHES, TREE_UPSTREAM_BRANCH } from "@/server/git/repos";
import { queues, sendJob } from "@/server/jobs";
import { afterRefsMoved, createMergeRequest, mrPath } from "@/server/mergerequests";
import type { User } from "@/server/users";
import { FarmInputError } from "./errors";
import { queueGlsaScan } from "./glsa-scan";
import { ensureTreeBot, treeBotIdentity } from "./tree-bot";

/**
 * The portage tree mirror `infrastructure/gentoo` (README "Build farm"): the upstream tree
 * (PORTAGE_TREE_UPSTREAM) is fetched into the branch `upstream` and brought into
 * `development` by fast-forward or a merge commit, never rewriting history; `staging` and
 * `production` follow by merge requests ("Promote"), and single upstream fixes reach any
 * of them by a cherry-pick merge request. A sync that would conflict moves nothing and
 * records the conflicting paths.
 */

export type TreeBranch = (typeof TREE_BRANCHES)[number];
export type TreeSync = typeof portageTreeSyncs.$inferSelect;
type Outcome = TreeSync["outcome"];

export const treeBranch = z.enum(TREE_BRANCHES);

const upstreamRef = `refs/heads/${TREE_UPSTREAM_BRANCH}`;

async function treeRepo(db: DbOrTx) {
  const found = await infrastructureRepo(db, PORTAGE_TREE_REPO);
  if (!found) throw new NotFoundError(`${INFRASTRUCTURE_ORG}/${PORTAGE_TREE_REPO} does not exist yet: restart Rookery to create it`);
  return found;
}

let inflight: Promise<TreeSync> | null = null;

/**
 * Fetches the upstream tree and brings it into development. Never throws for upstream or
 * merge problems: they are recorded (and returned) as the sync's outcome. One at a time per
 * process; the queue (stately) keeps it one at a time across processes.
 */
export function syncPortageTree(db: Db, opts: { trigger: string; triggeredBy?: string | null }): Promise<TreeSync> {
  inflight ??= sync(db, opts).finally(() => (inflight = null));
  return inflight;
}

type Result = { outcome: Outcome; upstreamSha?: string | null; before?: string | null; after?: string | null; error?: string | null; conflicts?: string[] };

async function sync(db: Db, opts: { trigger: string; triggeredBy?: string | null }): Promise<TreeSync> {
  const startedAt = new Date();
  const cfg = getConfig().portageTree;
  const { repo, dir } = await treeRepo(db);
  let result: Result;
  let moved: string[] = [];
  try {
    if (!cfg.upstream) result = { outcome: "error", error: "No upstream tree is configured (PORTAGE_TREE_UPSTREAM is empty): syncing is off" };
    else {
      const previous = await branchHead(dir, TREE_UPSTREAM_BRANCH);
      const fetched = await fetchUpstream(dir, cfg.upstream, cfg.branch, cfg.timeoutMs);
      if ("error" in fetched) result = { outcome: "error", error: fetched.error };
      else {
        ({ result, moved } = await integrate(dir, fetched.sha));
        if (fetched.sha !== previous) moved.push(upstreamRef);
      }
    }
  } catch (e) {
    result = { outcome: "error", error: e instanceof Error ? e.message : String(e) };
  }
  const [row] = await db
    .insert(portageTreeSyncs)
    .values({
      trigger: opts.trigger,
      triggeredBy: opts.triggeredBy ?? null,
      upstreamUrl: shownUrl(cfg.upstream) ?? "",
      outcome: result.outcome,
      upstreamSha: result.upstreamSha ?? null,
      developmentBefore: result.before ?? null,
      developmentAfter: result.after ?? null,
      error: result.error ?? null,
      conflicts: result.conflicts ?? [],
      startedAt,
    })
    .returning();
  if (moved.length) {
    await markPushed(db, repo.id);
    await afterRefsMoved(db, repo.id, moved);
  }
  return row;
}

/** The upstream URL as pages and records show it: without credentials, even when it is not one git would take. */
function shownUrl(raw: string | null) {
  if (!raw) return null;
  try {
    return parseMirrorUrl(raw).url;
  } catch {
    return raw.replace(/\/\/[^/@]*@/, "//");
  }
}

/** `git fetch` of the upstream branch into `upstream` (forced: upstream is the truth there). */
async function fetchUpstream(dir: string, rawUrl: string, branch: string, timeoutMs: number): Promise<{ sha: string } | { error: string }> {
  let parsed;
  try {
    parsed = parseMirrorUrl(rawUrl);
  } catch (e) {
    return { error: `PORTAGE_TREE_UPSTREAM ${shownUrl(rawUrl)}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const { url, credentials } = parsed;
  const remote = remoteArgs(credentials);
  const r = await runGitTimed([...remote.args, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", url, `+refs/heads/${branch}:${upstreamRef}`], {
    cwd: dir,
    env: remote.env,
    timeoutMs,
  });
  if (r.timedOut)
    return {
      error: `Fetching ${url} (branch ${branch}) timed out after ${Math.round(timeoutMs / 60_000)} min. ${reachAdvice(url)}, or raise PORTAGE_TREE_TIMEOUT_MINUTES for a slow link.`,
    };
  if (r.code !== 0)
    return {
      error: `Fetching ${url} (branch ${branch}) failed: ${httpStatusOf(r.stderr)}${redact(r.stderr, credentials)}${asSentence(adviceFor(r.stderr, url))}`,
    };
  const sha = await branchHead(dir, TREE_UPSTREAM_BRANCH);
  if (!sha) return { error: `Fetching ${url} gave no branch ${branch}` };
  return { sha };
}

const reachAdvice = (url: string) => `Check that this server reaches ${new URL(url).host} (DNS, firewall, proxy) and that PORTAGE_TREE_UPSTREAM is right`;

/** What an administrator does about a failed fetch: one sentence after git's words, then "Sync now" again. */
function adviceFor(stderr: string, url: string) {
  if (/could not read Username|Authentication failed|returned error: 40[13]/.test(stderr)) return "";
  if (/repository '.*' not found|returned error: 404/.test(stderr)) return "Check the repository URL in PORTAGE_TREE_UPSTREAM, then sync again.";
  if (/couldn't find remote ref/.test(stderr))
    return "Set PORTAGE_TREE_UPSTREAM_BRANCH to a branch the upstream has (Gentoo's mirrors: stable), then sync again.";
  if (/Could not resolve host|Failed to connect|Connection refused|timed out|unable to access/i.test(stderr)) return `${reachAdvice(url)}, then sync again.`;
  return "Check PORTAGE_TREE_UPSTREAM and the upstream's state, then sync again.";
}

/** The advice as its own sentence after git's last line (which ends without a full stop). */
const asSentence = (advice: string) => (advice ? `. ${advice}` : "");

/** The HTTP status git's words stand for, when they stand for one. */
function httpStatusOf(stderr: string) {
  const status = /returned error: (\d{3})/.exec(stderr)?.[1];
  if (status) return `HTTP ${status}: `;
  if (/could not read Username|Authentication failed/.test(stderr))
    return "HTTP 401 (the upstream wants credentials: https://user:token@host/…, or they were refused): ";
  if (/repository '.*' not found/.test(stderr)) return "HTTP 404 (no repository at this URL): ";
  if (/couldn't find remote ref/.test(stderr)) return "no such branch upstream (PORTAGE_TREE_UPSTREAM_BRANCH): ";
  return "";
}

/** Brings the fetched upstream commit into development; creates the environment branches the first time. */
async function integrate(dir: string, upstreamSha: string): Promise<{ result: Result; moved: string[] }> {
  const heads = await branchHeads(dir);
  const before = heads.get("development") ?? null;
  const moved: string[] = [];
  let after = before;
  let outcome: Outcome;
  if (!before) {
    outcome = "created";
    after = upstreamSha;
  } else if (await isAncestor(dir, upstreamSha, before)) {
    outcome = "up-to-date";
  } else if (await isAncestor(dir, before, upstreamSha)) {
    outcome = "fast-forward";
    after = upstreamSha;
  } else {
    const merged = await mergeTree(dir, before, upstreamSha);
    if (!merged.clean) return { result: { outcome: "conflict", upstreamSha, before, after: before, conflicts: merged.conflicts }, moved };
    outcome = "merge";
    const message = `Merge upstream ${getConfig().portageTree.branch} (${upstreamSha.slice(0, 12)}) into development`;
    after = await commitTree(dir, merged.tree, [before, upstreamSha], message, rookeryIdentity);
  }
  if (after !== before) {
    if (!(await casUpdateRef(dir, "refs/heads/development", after!, before ?? "", `portage tree sync: ${outcome}`)))
      return { result: { outcome: "error", upstreamSha, before, error: "development moved during the sync (a merge request was merged?): sync again" }, moved };
    moved.push("refs/heads/development");
  }
  // staging and production start where development first was; afterwards they move by merge requests only
  for (const branch of ["staging", "production"] as const)
    if (!heads.has(branch) && (await createBranch(dir, branch, after!, "portage tree sync: created"))) moved.push(`refs/heads/${branch}`);
  return { result: { outcome, upstreamSha, before, after }, moved };
}

/** The worker's job: a start-up sync only fetches a tree that was never synced (a new instance); the others always run. */
export async function portageTreeSyncJob(db: Db, data: { trigger: string; triggeredBy?: string | null }) {
  if (data.trigger === "startup" && (await branchHead((await treeRepo(db)).dir, "development"))) return { skipped: "development exists" };
  const sync = await syncPortageTree(db, data);
  // new advisories may have come with it
  if (["created", "fast-forward", "merge"].includes(sync.outcome)) await queueGlsaScan("tree-sync");
  return sync;
}

/** "Sync now" (admins): queued for the workers. */
export async function requestTreeSync(user: User) {
  return sendJob(queues.portageTreeSync, { trigger: "manual", triggeredBy: user.id }, { retryLimit: 0 });
}

export async function listTreeSyncs(db: DbOrTx, limit = 10) {
  return db.select().from(portageTreeSyncs).orderBy(desc(portageTreeSyncs.finishedAt)).limit(limit);
}

/** What the page shows: upstream, the last syncs, and each branch's head against upstream. */
export async function treeStatus(db: DbOrTx) {
  const cfg = getConfig().portageTree;
  const { dir } = await treeRepo(db);
  // the syncs before the branches: a sync the page shows as finished has moved them already
  // (read the other way round, a sync finishing meanwhile showed with the branches it left behind)
  const syncs = await listTreeSyncs(db);
  const heads = await branchHeads(dir);
  const upstream = heads.get(TREE_UPSTREAM_BRANCH) ?? null;
  const upstreamCommit = upstream ? await getCommit(dir, upstream) : null;
  const branches = await Promise.all(
    TREE_BRANCHES.map(async (name) => {
      const head = heads.get(name) ?? null;
      if (!head) return { name, head: null, subject: null, upstreamDate: null, behind: null };
      const commit = await getCommit(dir, head);
      // the newest upstream commit this branch contains (upstream only moves forward)
      const between = upstream ? await commitsBetween(dir, head, upstream, 1) : null;
      const base = between?.mergeBase ? await getCommit(dir, between.mergeBase) : null;
      return { name, head, subject: commit?.subject ?? null, upstreamDate: base?.committerDate ?? null, behind: between?.total ?? null };
    }),
  );
  return {
    upstreamUrl: shownUrl(cfg.upstream),
    upstreamBranch: cfg.branch,
    cron: cfg.cron,
    cloneUrl: cloneUrl(INFRASTRUCTURE_ORG, PORTAGE_TREE_REPO),
    upstream: upstreamCommit ? { sha: upstreamCommit.sha, date: upstreamCommit.committerDate, subject: upstreamCommit.subject } : null,
    branches,
    syncs,
  };
}

/** Upstream commits `target` lacks, newest first: what a cherry-pick may choose from. */
export async function upstreamCommitsMissing(db: DbOrTx, target: TreeBranch, limit = 50) {
  const { dir } = await treeRepo(db);
  const heads = await branchHeads(dir);
  const upstream = heads.get(TREE_UPSTREAM_BRANCH);
  const head = heads.get(target);
  if (!upstream || !head) return { commits: [], total: 0 };
  const { commits, total } = await commitsBetween(dir, head, upstream, limit);
  return { commits, total };
}

const NEXT: Record<"development" | "staging", TreeBranch> = { development: "staging", staging: "production" };

/** Who pressed the button, for the description of a merge request the tree bot opens. */
const requestedBy = (user: User) => `Opened for @${user.username} (Admin → Build farm → Portage tree).`;

/**
 * "Promote": a merge request development → staging or staging → production, authored by the
 * tree bot (server/farm/tree-bot.ts) so that the administrator who asked may approve it.
 */
export async function promoteTree(db: Db, user: User, from: "development" | "staging") {
  const { repo, dir } = await treeRepo(db);
  const to = NEXT[from];
  const head = await branchHead(dir, from);
  if (!head) throw new StateError(`${from} does not exist yet: sync the tree first`);
  const { commits, total } = await commitsBetween(dir, (await branchHead(dir, to)) ?? head, head, 20);
  const upstream = await branchHead(dir, TREE_UPSTREAM_BRANCH);
  const base = upstream ? (await commitsBetween(dir, head, upstream, 1)).mergeBase : null;
  const upstreamDate = base ? (await getCommit(dir, base))?.committerDate : null;
  const bot = await ensureTreeBot(db);
  const mr = await createMergeRequest(db, repo, dir, bot, {
    title: `Promote the portage tree: ${from} → ${to}`,
    description: [
      `Brings ${to} to ${from} at ${head.slice(0, 12)}${upstreamDate ? ` (upstream as of ${upstreamDate.toISOString()})` : ""}: ${total} commit${total === 1 ? "" : "s"}.`,
      "",
      ...commits.map((c) => `- ${c.sha.slice(0, 12)} ${c.subject}`),
      ...(total > commits.length ? [`- … and ${total - commits.length} more`] : []),
      "",
      requestedBy(user),
    ].join("\n"),
    sourceBranch: from,
    targetBranch: to,
    reviewers: [],
  });
  return { number: mr.number, path: mrPath(repo, mr.number) };
}

export const cherryPickInput = z.object({
  target: treeBranch,
  commits: z
    .array(z.string().regex(/^[0-9a-f]{7,64}$/i, "a commit id"))
    .min(1, "Choose at least one upstream commit")
    .max(50, "At most 50 commits at once"),
});

/** Thrown when the chosen commits do not apply: the commit and the paths, for the page. */
export class CherryPickConflict extends StateError {
  constructor(
    readonly commit: string,
    readonly conflicts: string[],
  ) {
    super(`Upstream commit ${commit.slice(0, 12)} does not apply cleanly: conflicts in ${conflicts.join(", ")}`);
  }
}

/**
 * "Cherry-pick": upstream commits (a zero-day fix) onto `target` as a new branch
 * `tree/pick-<target>-<commit>` and a merge request listing them. Only the new branch is
 * created; a conflict creates nothing and names the paths. The tree bot commits the picks
 * (authors stay upstream's) and authors the merge request, like a promotion.
 */
export async function cherryPickUpstream(db: Db, user: User, input: z.input<typeof cherryPickInput>) {
  const { target, commits: wanted } = cherryPickInput.parse(input);
  const { repo, dir } = await treeRepo(db);
  const [base, upstream] = await Promise.all([branchHead(dir, target), branchHead(dir, TREE_UPSTREAM_BRANCH)]);
  if (!base || !upstream) throw new StateError(`${target} does not exist yet: sync the tree first`);
  const picked = [];
  for (const id of new Set(wanted.map((c) => c.toLowerCase()))) {
    const commit = await getCommit(dir, id);
    if (!commit || !(await isAncestor(dir, commit.sha, upstream))) throw new FarmInputError("commits", `${id} is not an upstream commit`);
    if (commit.parents.length > 1) throw new FarmInputError("commits", `${id.slice(0, 12)} is a merge commit: pick the commits it merges`);
    if (await isAncestor(dir, commit.sha, base)) throw new FarmInputError("commits", `${target} already contains ${id.slice(0, 12)} (${commit.subject})`);
    picked.push(commit);
  }
  // upstream's order (oldest first), whatever order they were chosen in
  const order = await historyOrder(
    dir,
    base,
    upstream,
    picked.map((c) => c.sha),
  );
  picked.sort((a, b) => order.indexOf(a.sha) - order.indexOf(b.sha));
  const bot = await ensureTreeBot(db);
  const result = await cherryPickOnto(dir, base, order, treeBotIdentity());
  if (!result.clean) throw new CherryPickConflict(result.commit, result.conflicts);
  const stem = `tree/pick-${target}-${picked.at(-1)!.sha.slice(0, 12)}`;
  let branch = stem;
  for (let i = 2; !(await createBranch(dir, branch, result.head, `cherry-pick for ${target}`)); i++) {
    if (i > 20) throw new StateError(`Too many branches named ${stem}-*: delete old ones`);
    branch = `${stem}-${i}`;
  }
  await markPushed(db, repo.id);
  const mr = await createMergeRequest(db, repo, dir, bot, {
    title: `Cherry-pick into ${target}: ${picked.length === 1 ? picked[0].subject : `${picked.length} upstream commits`}`,
    description: [
      `Upstream commits cherry-picked onto ${target} (${base.slice(0, 12)}):`,
      "",
      ...picked.map((c) => `- ${c.sha.slice(0, 12)} ${c.subject}`),
      "",
      requestedBy(user),
    ].join("\n"),
    sourceBranch: branch,
    targetBranch: target,
    reviewers: [],
  });
  return { branch, number: mr.number, path: mrPath(repo, mr.number) };
}
