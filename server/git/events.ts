import { getDb } from "@/db/client";
import { queues, sendJob } from "@/server/jobs";
import { requestHousekeeping } from "./housekeeping";
import { ensureRepoOnDisk, repoExists, syncMirror } from "./materialize";
import { repoDir } from "./paths";
import { BUILD_PROFILES_REPO, INFRASTRUCTURE_ORG, insertDefaultRepos, listMirrorsOf, orgsWithoutRepos, markPushed, type RepoWithOrg } from "./repos";
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
  }
  // Off the push's path: the commit-graph keeps history pages fast, gc --auto repacks when pushes have piled up.
  await requestHousekeeping({ repoId: repo.id, trigger: "push" });
  // The push has happened: a webhook problem is logged, never reported to the pusher as a failure.
  await emitPushEvents(getDb(), repo, updates, pusher).catch((e) =>
    console.error(`webhooks for ${repo.orgSlug}/${repo.name}:`, e instanceof Error ? e.message : e),
  );
}

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
