import { and, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db, DbOrTx, Tx } from "@/db/client";
import { mergeRequests, releases, users } from "@/db/schema";
import { recordAudit } from "@/server/audit";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles, identityOf, withSignoff } from "@/server/git/plumbing/commit";
import { afterPush } from "@/server/git/events";
import { startFlowBranch } from "@/server/git/flow";
import { branchHead, casDeleteRef, casUpdateRef, commitTree, countOnlyIn, isAncestor, mergeTree } from "@/server/git/plumbing/merge";
import type { Pusher } from "@/server/auth/policies/push";
import type { RefUpdate } from "@/server/git/protection";
import { matchProtection, semverTag } from "@/server/git/protection";
import { readTextFile } from "@/server/git/plumbing/read";
import { repoDir } from "@/server/git/paths";
import { getRepoById, listProtections, RepoInputError, type RepoWithOrg } from "@/server/git/repos";
import { carryOut, claimAfterWork, IntentBusyError, readRef, recordIntent, type Intent, type IntentRefUpdate, type Operation } from "@/server/intents";
import { createMergeRequest, getMergeRequestById, type MergeRequest } from "@/server/mergerequests";
import { listMembers } from "@/server/orgs";
import { getUserById, type User } from "@/server/users";

/**
 * Releases without knowing git-flow: "New release" starts release/vX.Y.Z from develop
 * (hotfix/vX.Y.Z from master), writes the CHANGELOG entry on it and opens the merge
 * request into master. Merging that MR finishes the release: tag vX.Y.Z on master, master
 * merged back into develop (or an MR when that conflicts), release notes published.
 */
export type ReleaseKind = "release" | "hotfix";
export type Bump = "major" | "minor" | "patch";
type Version = [number, number, number];

const ZERO = "0".repeat(40);
export const RELEASES_PER_PAGE = 20;

const parse = (v: string): Version | null => {
  const m = semverTag.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const show = (v: Version) => `v${v.join(".")}`;

export function bumped(latest: string | null, bump: Bump): string {
  const v = (latest && parse(latest)) || null;
  if (!v)
    return (
      bump === "major" ? "v1.0.0"
      : bump === "minor" ? "v0.1.0"
      : "v0.0.1"
    );
  if (bump === "major") return show([v[0] + 1, 0, 0]);
  if (bump === "minor") return show([v[0], v[1] + 1, 0]);
  return show([v[0], v[1], v[2] + 1]);
}

/** The highest vX.Y.Z tag reachable from `ref` (null when there is none). */
async function latestVersionOn(dir: string, ref: string): Promise<{ version: string; sha: string } | null> {
  const r = await runGit(["tag", "--merged", `refs/heads/${ref}`, "--list", "v*", "--format=%(refname:short) %(*objectname)%(objectname)"], {
    cwd: dir,
    allowFailure: true,
  });
  let best: { v: Version; version: string; sha: string } | null = null;
  for (const line of r.stdout.split("\n")) {
    const [name, shas] = line.split(" ");
    const v = parse(name ?? "");
    // %(*objectname) (the peeled commit) is empty for lightweight tags; then %(objectname) is the commit
    if (v && (!best || compare(v, best.v) > 0)) best = { v, version: name, sha: shas.slice(0, 40) };
  }
  return best && { version: best.version, sha: best.sha };
}

/** Every vX.Y.Z tag of the repository, highest first. */
async function allVersions(dir: string): Promise<string[]> {
  const r = await runGit(["tag", "--list", "v*"], { cwd: dir });
  return r.stdout
    .split("\n")
    .map((t) => [t, parse(t)] as const)
    .filter((x): x is readonly [string, Version] => x[1] !== null)
    .sort((a, b) => compare(b[1], a[1]))
    .map(([t]) => t);
}

/** Merge requests whose merge commit is in `head` but not in `since` (oldest first). */
async function mergedBetween(db: DbOrTx, dir: string, repoId: string, since: string | null, head: string) {
  const r = await runGit(["rev-list", "--max-count=5000", since ? `${since}..${head}` : head, "--"], { cwd: dir });
  const shas = r.stdout.split("\n").filter(Boolean);
  if (shas.length === 0) return [];
  const rows = await db
    .select({
      number: mergeRequests.number,
      title: mergeRequests.title,
      sourceBranch: mergeRequests.sourceBranch,
      mergedAt: mergeRequests.mergedAt,
      author: users.displayName,
      username: users.username,
    })
    .from(mergeRequests)
    .leftJoin(users, eq(users.id, mergeRequests.authorId))
    .where(and(eq(mergeRequests.repoId, repoId), eq(mergeRequests.state, "merged"), inArray(mergeRequests.mergeCommitSha, shas)));
  return rows.sort((a, b) => (a.mergedAt?.getTime() ?? 0) - (b.mergedAt?.getTime() ?? 0));
}

type Merged = Awaited<ReturnType<typeof mergedBetween>>;

/** The CHANGELOG.md entry (also the release notes). */
export function changelogEntry(version: string, date: Date, merged: Merged, kind: ReleaseKind): string {
  const lines = merged.map((m) => `- ${m.title.replace(/\s+/g, " ").trim()} (!${m.number}${m.author || m.username ? `, ${m.author || m.username}` : ""})`);
  const body =
    lines.length ? lines.join("\n")
    : kind === "hotfix" ? "- Hotfix (describe the fix in its merge request)"
    : "- No merge requests since the last release";
  return `## ${version} (${date.toISOString().slice(0, 10)})\n\n${body}\n`;
}

/** Puts the entry under the file's title (kept, or "# Changelog"), above older entries. */
export function withEntry(existing: string | null, entry: string): string {
  const text = existing ?? "";
  const title = /^# .*\n+/.exec(text);
  const head = title ? title[0].replace(/\n+$/, "\n\n") : "# Changelog\n\n";
  const rest = title ? text.slice(title[0].length) : text;
  return `${head}${entry}${rest.trim() ? `\n${rest.replace(/^\n+/, "")}` : ""}`;
}

/** What the "New release" / "New hotfix" dialog offers. */
export async function releasePlan(db: DbOrTx, repo: RepoWithOrg, dir: string, kind: ReleaseKind) {
  const base = kind === "release" ? "develop" : "master";
  const [baseHead, masterHead] = await Promise.all([branchHead(dir, base), branchHead(dir, "master")]);
  const latest = masterHead ? await latestVersionOn(dir, "master") : null;
  const versions = {
    major: bumped(latest?.version ?? null, "major"),
    minor: bumped(latest?.version ?? null, "minor"),
    patch: bumped(latest?.version ?? null, "patch"),
  };
  const merged = baseHead && kind === "release" ? await mergedBetween(db, dir, repo.id, masterHead, baseHead) : [];
  return {
    kind,
    base,
    baseExists: !!baseHead,
    masterExists: !!masterHead,
    latest: latest?.version ?? null,
    versions,
    suggested: kind === "hotfix" ? versions.patch : versions.minor,
    merged,
  };
}

/**
 * Starts a release or hotfix: branch, CHANGELOG commit, merge request into master. Either
 * all three exist afterwards or none does.
 */
export async function startRelease(db: Db, repo: RepoWithOrg, dir: string, user: User, pusher: Pusher, input: { kind: ReleaseKind; version: string }) {
  const version = input.version.trim();
  const v = parse(version);
  if (!v) throw new RepoInputError("version", "Use a version vX.Y.Z, for example v1.4.0");
  const plan = await releasePlan(db, repo, dir, input.kind);
  if (!plan.baseExists) throw new RepoInputError("version", `This repository has no ${plan.base} branch to start from`);
  if (!plan.masterExists) throw new RepoInputError("version", "This repository has no master branch to release into");
  const taken = await allVersions(dir);
  if (taken.includes(version)) throw new RepoInputError("version", `${version} is already released: pick a higher version`);
  if (taken.length && compare(v, parse(taken[0])!) <= 0) throw new RepoInputError("version", `${version} is not higher than the last release ${taken[0]}`);

  const protections = await listProtections(db, repo.id);
  const started = await startFlowBranch(dir, repo, pusher, protections, input.kind, version);
  // master's rule may ask for Signed-off-by: the changelog commit, made for the user, carries theirs.
  const signoff = (matchProtection("master", protections) as { requireSignoff?: boolean } | null)?.requireSignoff ?? false;
  const leaders = (await listMembers(db, repo.orgId)).filter((m) => m.role === "leader" && m.userId !== user.id).map((m) => m.username);
  const updates: RefUpdate[] = [{ ref: `refs/heads/${started.branch}`, oldSha: ZERO, newSha: started.sha }];
  try {
    const entry = changelogEntry(version, new Date(), plan.merged, input.kind);
    const scratch = `refs/rookery/release-${process.pid}-${Date.now()}`;
    const commit = await commitFiles(dir, {
      branch: started.branch,
      ref: scratch,
      parent: started.sha,
      files: { "CHANGELOG.md": withEntry(await readTextFile(dir, started.sha, "CHANGELOG.md"), entry) },
      message: signoff ? withSignoff(`Changelog for ${version}`, identityOf(user)) : `Changelog for ${version}`,
      author: identityOf(user),
    });
    await runGit(["update-ref", "-d", scratch], { cwd: dir, allowFailure: true });
    if (!(await casUpdateRef(dir, `refs/heads/${started.branch}`, commit, started.sha, `rookery: changelog for ${version}`)))
      throw new RepoInputError("version", `${started.branch} moved while the changelog was written: try again`);
    updates[0].newSha = commit;
    const mr = await createMergeRequest(db, repo, dir, user, {
      title: `${input.kind === "hotfix" ? "Hotfix" : "Release"} ${version}`,
      description: `Merging this into master tags **${version}**, merges master back into develop and publishes these release notes:\n\n${entry}`,
      sourceBranch: started.branch,
      targetBranch: "master",
      // The author may not approve their own release: the other leaders are asked.
      reviewers: leaders,
    });
    await afterPush(repo, updates, user).catch((e) => console.error("after-release-start handling failed:", e instanceof Error ? e.message : e));
    return { branch: started.branch, version, mergeRequest: mr as MergeRequest };
  } catch (e) {
    await casDeleteRef(dir, `refs/heads/${started.branch}`, updates[0].newSha).catch(() => {});
    throw e;
  }
}

const releaseBranch = /^(release|hotfix)\/(v\d+\.\d+\.\d+)$/;

const releaseIntentData = z.object({
  kind: z.enum(["release", "hotfix"]),
  version: z.string(),
  /** the merge into master the release is made of */
  commit: z.string(),
  userId: z.string().uuid(),
  /** master could not be merged back into develop (these files conflict): the after-work opens an MR for it */
  backMergeConflicts: z.array(z.string()),
});
type ReleaseIntentData = z.infer<typeof releaseIntentData>;

/**
 * The ref moves that finish a release, computed without moving anything: the annotated
 * tag, master merged back into develop (as `git flow release finish` does), the release
 * branch deleted (it has done its job).
 */
async function planFinish(dir: string, data: Omit<ReleaseIntentData, "backMergeConflicts">, branch: string, user: User) {
  const { kind, version, commit } = data;
  const me = identityOf(user);
  const updates: IntentRefUpdate[] = [];
  if ((await readRef(dir, `refs/tags/${version}`)) === ZERO) {
    const when = Math.floor(Date.now() / 1000);
    const message = `${kind === "hotfix" ? "Hotfix" : "Release"} ${version}`;
    const input = `object ${commit}\ntype commit\ntag ${version}\ntagger ${me.name} <${me.email}> ${when} +0000\n\n${message}\n`;
    // runGit, not simple-git: stdin-fed plumbing (simple-git has no per-command stdin).
    updates.push({ ref: `refs/tags/${version}`, oldSha: ZERO, newSha: (await runGit(["mktag"], { cwd: dir, input })).stdout.trim() });
  }
  let backMergeConflicts: string[] = [];
  const develop = await branchHead(dir, "develop");
  if (develop && !(await isAncestor(dir, commit, develop))) {
    const tree = await mergeTree(dir, develop, commit);
    if (tree.clean)
      updates.push({
        ref: "refs/heads/develop",
        oldSha: develop,
        newSha: await commitTree(dir, tree.tree, [develop, commit], `Merge ${version} from master into develop`, me, me),
      });
    else backMergeConflicts = tree.conflicts;
  }
  const branchAt = await branchHead(dir, branch);
  if (branchAt && (await isAncestor(dir, branchAt, commit))) updates.push({ ref: `refs/heads/${branch}`, oldSha: branchAt, newSha: ZERO });
  return { updates, backMergeConflicts };
}

/**
 * Called after any merge request was merged: when it was a release or hotfix going into
 * master, finish it (idempotent: a second call for the same MR does nothing). An intent
 * (docs/intents.md): every ref moves at once, then the release is published.
 */
export async function finishReleaseIfAny(db: Db, repo: RepoWithOrg, dir: string, mr: MergeRequest, commit: string, user: User) {
  const m = releaseBranch.exec(mr.sourceBranch);
  if (!m || mr.targetBranch !== "master") return null;
  const [, kind, version] = m as unknown as [string, ReleaseKind, string];
  const published = async () => {
    const [row] = await db
      .select()
      .from(releases)
      .where(and(eq(releases.repoId, repo.id), eq(releases.version, version)));
    return row ?? null;
  };
  // develop may move under us: plan again on its new head
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await published()) return null;
    const { updates, backMergeConflicts } = await planFinish(dir, { kind, version, commit, userId: user.id }, mr.sourceBranch, user);
    const data: ReleaseIntentData = { kind, version, commit, userId: user.id, backMergeConflicts };
    let intent: Intent;
    try {
      intent = await recordIntent(db, { kind: "release-finish", subjectId: mr.id, repoId: repo.id, updates, data });
    } catch (e) {
      if (e instanceof IntentBusyError) return null; // another process is finishing it
      throw e;
    }
    if (await carryOut(db, dir, intent, releaseFinishOperation, `rookery: finish ${version}`)) {
      if (await claimAfterWork(db, intent.id)) await releaseAfterWork(db, intent);
      return published();
    }
  }
  throw new Error(`develop keeps moving: ${version} is merged into master but not finished yet`);
}

/** The completion: the release published (its notes from the CHANGELOG entry) and audited. */
async function completeRelease(tx: Tx, intent: Intent) {
  const data = releaseIntentData.parse(intent.data);
  const [repo, mr, user] = await Promise.all([getRepoById(tx, intent.repoId), getMergeRequestById(tx, intent.subjectId), getUserById(tx, data.userId)]);
  if (!repo) return;
  const dir = repoDir(repo.orgSlug, repo.name);
  const notes = (await readTextFile(dir, data.commit, "CHANGELOG.md")) ?? "";
  const entry = notes.split(/^(?=## )/m).find((s) => s.startsWith(`## ${data.version} `)) ?? "";
  await tx
    .insert(releases)
    .values({
      repoId: repo.id,
      version: data.version,
      kind: data.kind,
      commitSha: data.commit,
      notes: entry.trim(),
      mergeRequestId: mr?.id ?? null,
      publishedById: user?.id ?? null,
    })
    .onConflictDoNothing();
  if (user)
    await recordAudit(tx, {
      actor: { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin },
      action: "releases.publish",
      orgId: repo.orgId,
      targetType: "repository",
      targetId: `${repo.orgSlug}/${repo.name}`,
      outcome: "success",
      details: { version: data.version, commit: data.commit, mergeRequest: mr?.number, backMerge: data.backMergeConflicts.length ? "merge request" : "merged" },
    });
}

/** The after-work, once: the back-merge MR when develop conflicts, then the push handling of the moved refs. */
async function releaseAfterWork(db: Db, intent: Intent) {
  const data = releaseIntentData.parse(intent.data);
  const [repo, user] = await Promise.all([getRepoById(db, intent.repoId), getUserById(db, data.userId)]);
  if (!repo) return;
  const dir = repoDir(repo.orgSlug, repo.name);
  const { version } = data;
  if (data.backMergeConflicts.length && user) {
    const backMerge = (await createMergeRequest(db, repo, dir, user, {
      title: `Merge ${version} back into develop`,
      description: `master (${version}) could not be merged into develop automatically: ${data.backMergeConflicts.join(", ")} conflict. Resolve locally:\n\n\`\`\`sh\ngit fetch origin\ngit checkout develop\ngit merge origin/master\n# fix the conflicts, then\ngit commit && git push origin develop:feature/merge-${version}\n\`\`\``,
      sourceBranch: "master",
      targetBranch: "develop",
      reviewers: [],
    }).catch(() => null)) as MergeRequest | null;
    if (backMerge)
      await db
        .update(releases)
        .set({ backMergeRequestId: backMerge.id })
        .where(and(eq(releases.repoId, repo.id), eq(releases.version, version)));
  }
  await afterPush(repo, intent.updates, user).catch((e) => console.error("after-release handling failed:", e instanceof Error ? e.message : e));
}

/** Rolled back (the refs never moved): finish it again, as nobody else will. */
async function retryRelease(db: Db, intent: Intent) {
  const data = releaseIntentData.parse(intent.data);
  const [repo, mr, user] = await Promise.all([getRepoById(db, intent.repoId), getMergeRequestById(db, intent.subjectId), getUserById(db, data.userId)]);
  if (repo && mr && user) await finishReleaseIfAny(db, repo, repoDir(repo.orgSlug, repo.name), mr, data.commit, user);
}

export const releaseFinishOperation: Operation = { kind: "release-finish", complete: completeRelease, afterWork: releaseAfterWork, rolledBack: retryRelease };

/** Which version is where: production (master), staging (open release/hotfix branches), development (develop). */
export async function environments(db: DbOrTx, repo: RepoWithOrg, dir: string) {
  const [master, develop, branches] = await Promise.all([
    branchHead(dir, "master"),
    branchHead(dir, "develop"),
    runGit(["for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/release/", "refs/heads/hotfix/"], { cwd: dir }),
  ]);
  const production = master ? { sha: master, version: (await latestVersionOn(dir, "master"))?.version ?? null } : null;
  const staging = branches.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [branch, sha] = l.split(" ");
      return { branch, sha };
    });
  const open =
    staging.length ?
      await db
        .select({ number: mergeRequests.number, sourceBranch: mergeRequests.sourceBranch, mergeability: mergeRequests.mergeability })
        .from(mergeRequests)
        .where(
          and(
            eq(mergeRequests.repoId, repo.id),
            eq(mergeRequests.state, "open"),
            inArray(
              mergeRequests.sourceBranch,
              staging.map((s) => s.branch),
            ),
          ),
        )
    : [];
  // Merge commits are left out: right after a release, develop holds only the back-merge of master, which is nothing unreleased.
  const development = develop ? { sha: develop, aheadOfMaster: master ? await countOnlyIn(dir, develop, master, { merges: false }) : null } : null;
  return {
    production,
    staging: staging.map((s) => ({ ...s, mergeRequest: open.find((o) => o.sourceBranch === s.branch) ?? null })),
    development,
  };
}

export async function listReleases(db: DbOrTx, repoId: string, page: number) {
  const rows = await db
    .select({ release: releases, publishedBy: users.displayName, mrNumber: mergeRequests.number })
    .from(releases)
    .leftJoin(users, eq(users.id, releases.publishedById))
    .leftJoin(mergeRequests, eq(mergeRequests.id, releases.mergeRequestId))
    .where(eq(releases.repoId, repoId))
    .orderBy(desc(releases.publishedAt))
    .limit(RELEASES_PER_PAGE + 1)
    .offset((page - 1) * RELEASES_PER_PAGE);
  return { items: rows.slice(0, RELEASES_PER_PAGE), hasMore: rows.length > RELEASES_PER_PAGE, page };
}
