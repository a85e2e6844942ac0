import { z } from "zod";
import { getDb, type Db } from "@/db/client";
import { claimAfterWork, completeRecorded, crashPoint, readRef, recordIntent, ZERO_SHA, IntentBusyError, type Intent, type Operation } from "@/server/intents";
import { getUserById, type User } from "@/server/users";
import { isAncestor } from "./plumbing/merge";
import { queues, sendJob } from "@/server/jobs";
import { requestHousekeeping } from "./housekeeping";
import { ensureRepoOnDisk, repoExists, syncMirror } from "./materialize";
import { repoDir } from "./paths";
import {
  BUILD_PROFILES_REPO,
  getRepoById,
  INFRASTRUCTURE_ORG,
  insertDefaultRepos,
  OVERLAY_REPO,
  listMirrorsOf,
  orgsWithoutRepos,
  markPushed,
  type RepoWithOrg,
} from "./repos";
import type { RefUpdate } from "./protection";
import { emitPushEvents } from "@/server/webhooks/push";
import type { PayloadUser } from "@/server/webhooks/payloads";
import { afterRefsMoved } from "@/server/mergerequests";

/** After a push: remember it, fan out to mirrors when a global module moved, fire webhooks. */
export async function afterPush(repo: RepoWithOrg, updates: RefUpdate[], pusher: PayloadUser = null) {
  await markPushed(getDb(), repo.id);
  // Open merge requests on the moved branches: follow the source head, recompute mergeability.
  await afterRefsMoved(
    getDb(),
    repo.id,
    updates.map((u) => u.ref),
  ).catch((e) => console.error(`merge requests of ${repo.orgSlug}/${repo.name}:`, e instanceof Error ? e.message : e));
  if (repo.orgSlug === INFRASTRUCTURE_ORG && repo.kind === "standard") {
    await sendJob(queues.gitMirrorSync, { upstream: `${repo.orgSlug}/${repo.name}` }, { singletonKey: `${repo.orgSlug}/${repo.name}` });
    // build-profiles moved: the farm's "build on merge" schedules of those environments
    const branches = updates.filter((u) => u.ref.startsWith("refs/heads/") && !/^0+$/.test(u.newSha)).map((u) => u.ref.slice("refs/heads/".length));
    if (repo.name === BUILD_PROFILES_REPO && branches.length) await sendJob(queues.farmProfilesPushed, { branches });
    if (repo.name === OVERLAY_REPO && branches.length) await sendJob(queues.farmOverlayPushed, { branches });
  }
  // Off the push's path: the commit-graph keeps history pages fast, gc --auto repacks when pushes have piled up.
  await requestHousekeeping({ repoId: repo.id, trigger: "push" });
  // The push has happened: a webhook problem is logged, never reported to the pusher as a failure.
  await emitPushEvents(getDb(), repo, updates, pusher).catch((e) =>
    console.error(`webhooks for ${repo.orgSlug}/${repo.name}:`, e instanceof Error ? e.message : e),
  );
}

const pushData = z.object({ userId: z.uuid() });

/**
 * A push's after-work is an intent (docs/intents.md): recorded by the pre-receive call
 * before git moves a ref, completed by the post-receive call with what really moved, and
 * finished by the reconciler when the portal died in between.
 */
export async function recordPush(db: Db, pushId: string, repo: RepoWithOrg, updates: RefUpdate[], userId: string) {
  const moves = updates.map((u) => ({ ref: u.ref, oldSha: u.oldSha, newSha: u.newSha }));
  // the same ticket twice (git retried the hook): the first record stands
  await recordIntent(db, { kind: pushOperation.kind, subjectId: pushId, repoId: repo.id, updates: moves, data: { userId } }).catch((e) => {
    if (!(e instanceof IntentBusyError)) throw e;
  });
}

/** The post-receive: completes the push's intent with what moved and runs its after-work once. */
export async function finishPush(db: Db, pushId: string, repo: RepoWithOrg, updates: RefUpdate[], pusher: User) {
  const moves = updates.map((u) => ({ ref: u.ref, oldSha: u.oldSha, newSha: u.newSha }));
  const id = await completeRecorded(db, pushOperation.kind, pushId, moves, pushOperation);
  crashPoint("push:after-completion");
  if (id === null || (await claimAfterWork(db, id))) await afterPush(repo, updates, pusher);
}

/** The moves of a push that happened: the ref at its new value (or moved on from it), a deleted ref gone. */
async function movedRefs(dir: string, intent: Intent) {
  const moved = [];
  for (const u of intent.updates) {
    const now = await readRef(dir, u.ref);
    const done =
      u.newSha === ZERO_SHA ? now === ZERO_SHA : now === u.newSha || (now !== ZERO_SHA && now !== u.oldSha && (await isAncestor(dir, u.newSha, now)));
    if (done) moved.push(u);
  }
  return moved;
}

export const pushOperation: Operation = {
  kind: "push",
  // pre-receive, ref updates and post-receive take seconds; a pending push this old lost its portal
  settleAfterMs: 5 * 60_000,
  reached: async (dir, intent) => (await movedRefs(dir, intent)).length > 0,
  complete: async () => {},
  afterWork: async (db, intent) => {
    const repo = await getRepoById(db, intent.repoId);
    if (!repo) return;
    const pusher = await getUserById(db, pushData.parse(intent.data).userId);
    // git's refs tell what moved (a ref another push has moved elsewhere since is left out)
    const moved = await movedRefs(repoDir(repo.orgSlug, repo.name), intent);
    if (moved.length) await afterPush(repo, moved, pusher);
  },
};

/** Brings every mirror of `upstream` to the upstream's refs (they share its objects). */
export async function syncMirrorsOf(upstream: string) {
  const db = getDb();
  const [orgSlug, name] = upstream.split("/");
  const mirrors = await listMirrorsOf(db, upstream);
  if (!mirrors.length) return { updated: 0 };
  const upstreamDir = repoDir(orgSlug, name);
  let updated = 0;
  // A few at a time: git processes are cheap but the machine may have 2 cores.
  const queue = [...mirrors];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let m = queue.shift(); m; m = queue.shift()) {
        const dir = repoDir(m.orgSlug, m.name);
        if (!repoExists(dir)) await ensureRepoOnDisk(db, m);
        else await syncMirror(dir, upstreamDir);
        updated++;
      }
    }),
  );
  return { updated };
}

/**
 * Gives orgs that predate git hosting (no repositories at all) their default project.
 * Rows only: each repository is created on disk when first used (ensureRepoOnDisk).
 */
export async function provisionMissingRepos() {
  const orgs = await orgsWithoutRepos(getDb());
  await insertDefaultRepos(getDb(), orgs);
  return { orgs: orgs.length };
}
