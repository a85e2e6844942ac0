import { randomBytes } from "node:crypto";
import { and, desc, eq, isNotNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { mergeRequests, organizations, tinderboxRuns, tinderboxSchedules } from "@/db/schema";
import { recordAudit } from "@/server/audit";
import { afterPush } from "@/server/git/events";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles, withSignoff } from "@/server/git/plumbing/commit";
import { branchHead, casUpdateRef } from "@/server/git/plumbing/merge";
import { readTextFile } from "@/server/git/plumbing/read";
import { getRepo } from "@/server/git/repos";
import { queues, sendJob } from "@/server/jobs";
import { createMergeRequest, mrPath, updateMergeRequest } from "@/server/mergerequests";
import { notify } from "@/server/notify";
import type { User } from "@/server/users";
import { botActor, botIdentity, ensureTinderboxBot } from "./bot";
import { CONFIG_FILE, parseTinderboxConfig } from "./config";
import { TinderboxNotFoundError, TinderboxStateError } from "./errors";
import { parseLock } from "./lock";
import { parsePuppetfile } from "./puppetfile";
import { remoteReader } from "./remotes";
import { describeChange, resolveModules, type ModuleChange } from "./resolve";

export const TINDERBOX_BRANCH = "feature/tinderbox";
export const PUPPET_REPO = "puppet";
const BASE_BRANCH = "develop";
/** a run marked running this long ago lost its worker: it no longer blocks the next */
const STALE_RUN_MS = 2 * 3600_000;

export type TinderboxRun = typeof tinderboxRuns.$inferSelect;
export type Trigger = TinderboxRun["trigger"];

/**
 * Records a run request and hands it to the workers. One run per organization at a time: the
 * queue is stately per organization, and a newer request supersedes one still waiting.
 */
export async function requestTinderboxRun(db: Db, orgId: string, trigger: Trigger, triggeredById: string | null = null) {
  const run = await insertRun(db, orgId, trigger, triggeredById);
  await sendJob(queues.tinderboxRun, { orgId }, { singletonKey: orgId });
  return run;
}

async function insertRun(db: Db, orgId: string, trigger: Trigger, triggeredById: string | null) {
  return db.transaction(async (tx) => {
    await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, orgId)).for("update");
    await tx
      .update(tinderboxRuns)
      .set({ status: "failed", reason: "superseded by a newer run", finishedAt: new Date() })
      .where(and(eq(tinderboxRuns.orgId, orgId), eq(tinderboxRuns.status, "queued")));
    const [run] = await tx.insert(tinderboxRuns).values({ orgId, trigger, triggeredById }).returning();
    return run;
  });
}

/** Records the schedule a run (or the schedule's fan-out) just read from `.rookery/tinderbox.yaml`. */
export async function storeSchedule(db: DbOrTx, orgId: string, schedule: string, error: string | null, now = new Date()) {
  const [row] = await db
    .insert(tinderboxSchedules)
    .values({ orgId, schedule, error, checkedAt: now, createdAt: now })
    .onConflictDoUpdate({ target: tinderboxSchedules.orgId, set: { schedule, error, checkedAt: now } })
    .returning();
  return row;
}

/** The queue's handler: the newest waiting run of the organization. */
export async function runQueuedTinderbox(db: Db, orgId: string) {
  const [run] = await db
    .select()
    .from(tinderboxRuns)
    .where(and(eq(tinderboxRuns.orgId, orgId), eq(tinderboxRuns.status, "queued")))
    .orderBy(desc(tinderboxRuns.createdAt))
    .limit(1);
  return run ? executeRun(db, run.id) : null;
}

/** One pass now, in this process (the CLI's --wait): the same pass the schedule runs. */
export async function runTinderboxNow(db: Db, orgSlug: string, opts: { trigger?: Trigger; triggeredById?: string | null; allowReset?: boolean } = {}) {
  const [org] = await db.select().from(organizations).where(eq(organizations.slug, orgSlug));
  if (!org) throw new TinderboxNotFoundError(`There is no organization ${orgSlug}`);
  const run = await insertRun(db, org.id, opts.trigger ?? "manual", opts.triggeredById ?? null);
  return executeRun(db, run.id, { allowReset: opts.allowReset });
}

/** The outcome as one line: `up to date`, `merge request !N opened|updated` or `failed: <reason>`. */
export async function outcomeLine(db: Db, run: TinderboxRun) {
  if (run.status === "up-to-date") return "up to date";
  if (run.status === "failed") return `failed: ${run.reason ?? "unknown"}`;
  if (run.status === "opened" || run.status === "updated") {
    const [mr] =
      run.mergeRequestId ? await db.select({ number: mergeRequests.number }).from(mergeRequests).where(eq(mergeRequests.id, run.mergeRequestId)) : [];
    return `merge request !${mr?.number ?? "?"} ${run.status}`;
  }
  return run.status;
}

type Done = Pick<TinderboxRun, "status" | "reason" | "mergeRequestId" | "pushedSha" | "baseSha" | "changes">;

async function executeRun(db: Db, runId: string, opts: { allowReset?: boolean } = {}): Promise<TinderboxRun> {
  const [claimed] = await db.transaction(async (tx) => {
    const [run] = await tx.select().from(tinderboxRuns).where(eq(tinderboxRuns.id, runId));
    if (!run || run.status !== "queued") return [];
    await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, run.orgId)).for("update");
    const running = await tx
      .select({ startedAt: tinderboxRuns.startedAt })
      .from(tinderboxRuns)
      .where(and(eq(tinderboxRuns.orgId, run.orgId), eq(tinderboxRuns.status, "running")));
    if (running.some((r) => r.startedAt && Date.now() - r.startedAt.getTime() < STALE_RUN_MS)) return [];
    // a run whose worker died long ago is closed, so the page does not show it running forever
    if (running.length)
      await tx
        .update(tinderboxRuns)
        .set({ status: "failed", reason: "the worker running it stopped before it finished", finishedAt: new Date() })
        .where(and(eq(tinderboxRuns.orgId, run.orgId), eq(tinderboxRuns.status, "running")));
    return tx.update(tinderboxRuns).set({ status: "running", startedAt: new Date() }).where(eq(tinderboxRuns.id, runId)).returning();
  });
  if (!claimed) {
    const [run] = await db.select().from(tinderboxRuns).where(eq(tinderboxRuns.id, runId));
    if (run?.status === "queued")
      return finish(db, run, {
        status: "failed",
        reason: "another tinderbox run of this organization is running",
        mergeRequestId: null,
        pushedSha: null,
        baseSha: null,
        changes: null,
      });
    return run;
  }
  const [org] = await db.select().from(organizations).where(eq(organizations.id, claimed.orgId));
  let bot: User | null = null;
  let done: Done;
  try {
    bot = await ensureTinderboxBot(db, org.id);
    done = await pass(db, org, bot, opts);
  } catch (e) {
    if (!(e instanceof Error) || !("status" in e)) console.error(`tinderbox of ${org.slug}:`, e);
    const reason = e instanceof Error && "status" in e ? e.message : "internal error (see the workers' log)";
    done = { status: "failed", reason, mergeRequestId: null, pushedSha: null, baseSha: null, changes: null };
    await notify(db, {
      kind: "tinderbox.failed",
      title: `Tinderbox of ${org.slug} failed`,
      body: reason,
      link: `/orgs/${org.slug}/builds`,
      orgId: org.id,
      roles: ["leader"],
    });
  }
  const run = await finish(db, claimed, done);
  await recordAudit(db, {
    actor: bot ? botActor(bot) : { kind: "system", name: "tinderbox" },
    action: "tinderbox.run",
    orgId: org.id,
    targetType: "tinderbox_run",
    targetId: run.id,
    outcome: run.status === "failed" ? "failure" : "success",
    details: { status: run.status, reason: run.reason, trigger: run.trigger, pushedSha: run.pushedSha },
  });
  return run;
}

async function finish(db: Db, run: TinderboxRun, done: Done) {
  const [row] = await db
    .update(tinderboxRuns)
    .set({ ...done, finishedAt: new Date() })
    .where(eq(tinderboxRuns.id, run.id))
    .returning();
  return row;
}

async function pass(db: Db, org: typeof organizations.$inferSelect, bot: User, opts: { allowReset?: boolean }): Promise<Done> {
  const repo = await getRepo(db, org.slug, PUPPET_REPO);
  if (!repo) throw new TinderboxStateError(`${org.slug} has no ${PUPPET_REPO} repository`);
  if (org.archivedAt) throw new TinderboxStateError(`${org.slug} is archived`);
  const dir = await ensureRepoOnDisk(db, repo);
  const base = await branchHead(dir, BASE_BRANCH);
  if (!base) throw new TinderboxStateError(`${org.slug}/${PUPPET_REPO} has no ${BASE_BRANCH} branch`);

  const [puppetfile, lockText, configText] = await Promise.all([
    readTextFile(dir, base, "Puppetfile"),
    readTextFile(dir, base, "Puppetfile.lock"),
    readTextFile(dir, base, CONFIG_FILE),
  ]);
  if (puppetfile === null) throw new TinderboxStateError(`${BASE_BRANCH} has no Puppetfile`);
  const config = parseTinderboxConfig(configText);
  await storeSchedule(db, org.id, config.schedule, null);
  const pf = parsePuppetfile(puppetfile);
  const oldLock = parseLock(lockText);
  const resolution = await resolveModules(puppetfile, pf, oldLock, config, remoteReader(db, botActor(bot)));
  const notes = [...resolution.notes];
  if (lockText !== null && !oldLock) notes.push("Puppetfile.lock was unreadable (merge conflict markers or an unknown layout): regenerated from Puppetfile");
  const changes = { modules: resolution.changes as unknown[], notes };
  const same = { baseSha: base, changes, pushedSha: null };

  if (resolution.puppetfileText === puppetfile && resolution.lockText === lockText)
    return { status: "up-to-date", reason: notes.join("; ") || null, mergeRequestId: null, ...same };

  const ref = `refs/heads/${TINDERBOX_BRANCH}`;
  const current = await branchHead(dir, TINDERBOX_BRANCH);
  const [openMr] = await db
    .select()
    .from(mergeRequests)
    .where(
      and(
        eq(mergeRequests.repoId, repo.id),
        eq(mergeRequests.state, "open"),
        eq(mergeRequests.sourceBranch, TINDERBOX_BRANCH),
        eq(mergeRequests.targetBranch, BASE_BRANCH),
      ),
    );

  if (current) {
    // Only ever replace what the bot itself pushed last.
    const [last] = await db
      .select({ pushedSha: tinderboxRuns.pushedSha })
      .from(tinderboxRuns)
      .where(and(eq(tinderboxRuns.orgId, org.id), isNotNull(tinderboxRuns.pushedSha)))
      .orderBy(desc(tinderboxRuns.finishedAt))
      .limit(1);
    if (current !== last?.pushedSha && !opts.allowReset)
      throw new TinderboxStateError(
        `${TINDERBOX_BRANCH} has commits the tinderbox did not make (its head is ${current.slice(0, 12)}): it is not overwritten; a leader can allow a reset with "Run and reset the branch"`,
      );
    // The branch already proposes exactly this on top of today's develop: nothing new.
    const [parent, pfThere, lockThere] = await Promise.all([
      runGit(["rev-parse", `${current}^`], { cwd: dir, allowFailure: true }).then((r) => r.stdout.trim()),
      readTextFile(dir, current, "Puppetfile"),
      readTextFile(dir, current, "Puppetfile.lock"),
    ]);
    if (parent === base && pfThere === resolution.puppetfileText && lockThere === resolution.lockText)
      return {
        status: "up-to-date",
        reason: openMr ? `merge request !${openMr.number} already proposes these updates` : null,
        mergeRequestId: openMr?.id ?? null,
        ...same,
      };
  }

  const identity = botIdentity();
  const message = withSignoff(commitMessage(resolution.changes, notes), identity);
  const scratch = `refs/rookery/tinderbox/${randomBytes(8).toString("hex")}`;
  let sha: string;
  try {
    sha = await commitFiles(dir, {
      branch: TINDERBOX_BRANCH,
      ref: scratch,
      parent: base,
      files: { Puppetfile: resolution.puppetfileText, "Puppetfile.lock": resolution.lockText },
      message,
      author: identity,
    });
    if (!(await casUpdateRef(dir, ref, sha, current ?? "0".repeat(40), "rookery: tinderbox")))
      throw new TinderboxStateError(`${TINDERBOX_BRANCH} moved while the tinderbox ran: nothing was pushed, the next run tries again`);
  } finally {
    await runGit(["update-ref", "-d", scratch], { cwd: dir, allowFailure: true });
  }
  await recordAudit(db, {
    actor: botActor(bot),
    action: "tinderbox.push",
    orgId: org.id,
    targetType: "repository",
    targetId: repo.id,
    outcome: "success",
    details: { ref, oldSha: current, newSha: sha, forced: !!current },
  });
  await afterPush(repo, [{ ref, oldSha: current ?? "0".repeat(40), newSha: sha }], bot);

  const title = mrTitle(resolution.changes);
  const description = mrDescription(resolution.changes, notes);
  let mr;
  let status: "opened" | "updated";
  if (openMr) {
    mr = await updateMergeRequest(db, repo, openMr, bot, { title, description });
    status = "updated";
  } else {
    mr = await createMergeRequest(db, repo, dir, bot, { title, description, sourceBranch: TINDERBOX_BRANCH, targetBranch: BASE_BRANCH, reviewers: [] });
    status = "opened";
  }
  await recordAudit(db, {
    actor: botActor(bot),
    action: status === "opened" ? "mr.create" : "mr.update",
    orgId: org.id,
    targetType: "merge_request",
    targetId: mr.id,
    outcome: "success",
    details: { number: mr.number, path: mrPath(repo, mr.number) },
  });
  await notify(db, {
    kind: "tinderbox.update",
    title: `${org.slug}: ${title}`,
    body: `Merge request !${mr.number} ${status}: review the changes and merge them from the Updates card.`,
    link: `/orgs/${org.slug}#updates`,
    orgId: org.id,
    roles: ["leader"],
  });
  return { status, reason: null, mergeRequestId: mr.id, baseSha: base, changes, pushedSha: sha };
}

function countWords(changes: ModuleChange[]) {
  const n = changes.length;
  return n === 0 ? "Puppetfile pinned to Puppetfile.lock" : `${n} module${n === 1 ? "" : "s"} updated`;
}

export function mrTitle(changes: ModuleChange[]) {
  return `Tinderbox: ${countWords(changes)}`;
}

function commitMessage(changes: ModuleChange[], notes: string[]) {
  const lines = [mrTitle(changes), ""];
  if (changes.length)
    for (const c of changes) {
      lines.push(`- ${describeChange(c)}`);
      if (c.changelog) lines.push(...c.changelog.split("\n").map((l) => (l ? `    ${l}` : "")));
    }
  else lines.push("- Puppetfile now pins the commits of Puppetfile.lock (:commit), so r10k deploys them");
  if (notes.length) lines.push("", "Notes:", ...notes.map((n) => `- ${n}`));
  return lines.join("\n");
}

/** The merge request body: what changed in plain words, then the list. */
export function mrDescription(changes: ModuleChange[], notes: string[]) {
  const out = [
    `${countWords(changes)}. No build was run by the tinderbox for this update; check the modules before merging.`,
    "",
    "| Module | From | To |",
    "| --- | --- | --- |",
    ...changes.map((c) => {
      const label = (x: { ref: string; sha: string; version: string | null } | null) =>
        x ?
          c.type === "tag" ?
            x.ref
          : `${x.ref} \`${x.sha.slice(0, 12)}\``
        : "—";
      return `| ${c.module} | ${label(c.from)} | ${label(c.to)} |`;
    }),
  ];
  if (!changes.length) out.splice(2, 2, "Puppetfile now pins the commits of Puppetfile.lock, so r10k deploys exactly them.");
  for (const c of changes.filter((x) => x.changelog))
    out.push("", `**${c.module} ${c.from ? `${c.from.ref} → ` : ""}${c.to.ref}: changelog**`, "", ...c.changelog!.split("\n").map((l) => `> ${l}`));
  if (notes.length) out.push("", "Notes:", ...notes.map((n) => `- ${n}`));
  out.push("", "Opened by the Rookery tinderbox; a later run updates this merge request instead of opening another.");
  return out.join("\n");
}

/** The org's runs, newest first (the Builds page). */
export async function listTinderboxRuns(db: Db, orgId: string, limit = 50) {
  return db
    .select({
      id: tinderboxRuns.id,
      trigger: tinderboxRuns.trigger,
      triggeredById: tinderboxRuns.triggeredById,
      status: tinderboxRuns.status,
      reason: tinderboxRuns.reason,
      changes: tinderboxRuns.changes,
      pushedSha: tinderboxRuns.pushedSha,
      createdAt: tinderboxRuns.createdAt,
      startedAt: tinderboxRuns.startedAt,
      finishedAt: tinderboxRuns.finishedAt,
      mrNumber: mergeRequests.number,
    })
    .from(tinderboxRuns)
    .leftJoin(mergeRequests, eq(mergeRequests.id, tinderboxRuns.mergeRequestId))
    .where(eq(tinderboxRuns.orgId, orgId))
    .orderBy(desc(tinderboxRuns.createdAt))
    .limit(limit);
}
