import { closeDb, getDb } from "@/db/client";
import { loadConfig } from "@/server/config";
import { getRepoById } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { mergeMergeRequest } from "@/server/mergerequests/merge";
import { getUserById } from "@/server/users";

/**
 * A process that merges one MR, for the crash suite: `tsx test/support/merge-child.ts
 * <repoId> <mrId> <userId> <headSha>`, with the test's DATABASE_URL and ROOKERY_CRASH_AT.
 */
const [repoId, mrId, userId, headSha] = process.argv.slice(2);
loadConfig();
const db = getDb();
const [repo, user] = await Promise.all([getRepoById(db, repoId), getUserById(db, userId)]);
if (!repo || !user) throw new Error("no such repository or user");
const r = await mergeMergeRequest(db, repo, mrId, user, { method: "merge", deleteSource: true, expectedHeadSha: headSha });
console.log(JSON.stringify({ commit: r.commit, sourceDeleted: r.sourceDeleted }));
await stopBoss();
await closeDb();
