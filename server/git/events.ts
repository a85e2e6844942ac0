import { getDb } from "@/db/client";
import { enqueue, queues } from "@/server/jobs";
import { ensureRepoOnDisk, repoExists, syncMirror } from "./materialize";
import { repoDir } from "./paths";
import { INFRASTRUCTURE_ORG, insertDefaultRepos, listAllRepos, listMirrorsOf, orgsWithoutRepos, markPushed, type RepoWithOrg } from "./repos";
import type { RefUpdate } from "./protection";

/** After a push: remember it, and fan out to mirrors when a global module moved. */
export async function afterPush(repo: RepoWithOrg, _updates: RefUpdate[]) {
  await markPushed(getDb(), repo.id);
  if (repo.orgSlug === INFRASTRUCTURE_ORG && repo.kind === "standard") {
    await enqueue(queues.gitMirrorSync, { upstream: `${repo.orgSlug}/${repo.name}` }, { singletonKey: `${repo.orgSlug}/${repo.name}` });
  }
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
 * Gives orgs that predate git hosting (no repositories at all) their default project,
 * then creates on disk every repository that has a row but no directory yet.
 */
export async function provisionMissingRepos() {
  const db = getDb();
  await insertDefaultRepos(db, await orgsWithoutRepos(db));
  let created = 0;
  for (const repo of await listAllRepos(db)) {
    if (repoExists(repoDir(repo.orgSlug, repo.name))) continue;
    await ensureRepoOnDisk(db, repo);
    created++;
  }
  return { created };
}
