import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { pullMirrors, repositories } from "@/db/schema";
import { decrypt, encrypt } from "@/server/crypto";
import { queues } from "@/server/jobs";
import { enqueueWith } from "@/server/jobs/transactional";
import { emitPushEvents } from "@/server/webhooks/push";
import { spawnGit, type GitResult } from "./plumbing/cli";
import { checkRepoName } from "./manage";
import { ensureRepoOnDisk } from "./materialize";
import { getRepoById, markPushed, RepoInputError, type RepoWithOrg } from "./repos";
import { gitIn } from "./plumbing/simple";

/**
 * Pull mirrors: a repository fetched from an external http(s):// or git:// URL on a
 * schedule and on demand, read-only here (checkPush refuses pushes to pull-mirror repos).
 *
 * Credentials in the URL (https://user:token@host/repo.git) are accepted: the URL is
 * stored and shown without them, and they are kept AES-256-GCM encrypted (server/crypto)
 * and handed to git by an inline credential helper through the environment — never on
 * a command line, in a log line or in an error message.
 */
export const MIRROR_INTERVALS = [
  { minutes: 15, label: "Every 15 minutes" },
  { minutes: 60, label: "Every hour" },
  { minutes: 360, label: "Every 6 hours" },
  { minutes: 1440, label: "Every day" },
] as const;
export const MIN_INTERVAL = 5;
export const MAX_INTERVAL = 7 * 1440;
export const MIRROR_TIMEOUT_MS = 10 * 60_000;

const CREDENTIALS_CONTEXT = "pull-mirror-credentials";
export type Credentials = { username: string; password: string };

export type PullMirror = typeof pullMirrors.$inferSelect;

/** Checks an upstream URL and splits off credentials. Local paths and file:// are refused: they would read this server's disk. */
export function parseMirrorUrl(raw: string): { url: string; credentials: Credentials | null } {
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RepoInputError("url", "Enter a full URL, e.g. https://github.com/owner/project.git");
  }
  if (!["http:", "https:", "git:"].includes(url.protocol)) throw new RepoInputError("url", "Only http://, https:// and git:// URLs can be mirrored");
  if (!url.hostname) throw new RepoInputError("url", "The URL needs a host");
  if (value.length > 2000) throw new RepoInputError("url", "The URL is too long (2,000 characters at most)");
  if (/[\s\0]/.test(value)) throw new RepoInputError("url", "The URL must not contain spaces or control characters");
  let credentials: Credentials | null = null;
  if (url.username || url.password) {
    if (url.protocol === "git:") throw new RepoInputError("url", "git:// has no authentication: remove the credentials or use https://");
    credentials = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    if (/[\n\r\0]/.test(credentials.username + credentials.password)) throw new RepoInputError("url", "Credentials must not contain line breaks");
    url.username = "";
    url.password = "";
  }
  url.hash = "";
  return { url: url.toString(), credentials };
}

/** Network hardening for every command that talks to an upstream, plus the credential helper. */
export function remoteArgs(credentials: Credentials | null) {
  const args = [
    "-c",
    "protocol.allow=never",
    "-c",
    "protocol.http.allow=always",
    "-c",
    "protocol.https.allow=always",
    "-c",
    "protocol.git.allow=always",
    "-c",
    "http.lowSpeedLimit=1000",
    "-c",
    "http.lowSpeedTime=60",
    "-c",
    "credential.helper=",
  ];
  if (credentials)
    args.push(
      "-c",
      `credential.helper=!f() { test "$1" = get || exit 0; printf 'username=%s\\npassword=%s\\n' "$ROOKERY_MIRROR_USERNAME" "$ROOKERY_MIRROR_PASSWORD"; }; f`,
    );
  const env: Record<string, string> =
    credentials ? { ROOKERY_MIRROR_USERNAME: credentials.username, ROOKERY_MIRROR_PASSWORD: credentials.password, GIT_ASKPASS: "" } : { GIT_ASKPASS: "" };
  return { args, env };
}

/**
 * runGit with a deadline (the process is killed when it passes), for the commands that talk to
 * the upstream. Not simple-git: its debug log prints the environment, which holds the credentials.
 */
export function runGitTimed(args: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<GitResult & { timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.stdout!.on("data", (c: Buffer) => out.push(c));
    child.stderr!.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), timedOut });
    });
  });
}

function credentialsOf(mirror: PullMirror): Credentials | null {
  return mirror.credentialsEncrypted ? (JSON.parse(decrypt(mirror.credentialsEncrypted, CREDENTIALS_CONTEXT)) as Credentials) : null;
}

/** git's last words, without the credentials in any spelling. */
export function redact(message: string, credentials: Credentials | null) {
  let text = message.trim().split("\n").filter(Boolean).slice(-4).join("\n");
  for (const secret of [credentials?.password, credentials?.password && encodeURIComponent(credentials.password)])
    if (secret) text = text.split(secret).join("****");
  return text.slice(0, 2000) || "git failed without a message";
}

export function validateInterval(minutes: number) {
  if (!Number.isInteger(minutes) || minutes < MIN_INTERVAL || minutes > MAX_INTERVAL)
    throw new RepoInputError("interval", `Choose an interval between ${MIN_INTERVAL} minutes and 7 days`);
  return minutes;
}

/**
 * Creates a pull-mirror repository (row, mirror settings and its first sync job in one
 * transaction), then the empty bare repository. The first sync runs in the workers.
 */
export async function createPullMirror(
  db: DbOrTx,
  org: { id: string },
  input: { name: string; url: string; interval?: number; description?: string },
): Promise<RepoWithOrg> {
  const name = input.name.trim();
  checkRepoName(name);
  const { url, credentials } = parseMirrorUrl(input.url);
  const interval = validateInterval(input.interval ?? 60);
  const repoId = await db.transaction(async (tx) => {
    const [repo] = await tx
      .insert(repositories)
      .values({ orgId: org.id, name, description: input.description?.trim() ?? "", kind: "pull-mirror", upstream: url, defaultBranch: "master" })
      .onConflictDoNothing()
      .returning({ id: repositories.id });
    if (!repo) throw new RepoInputError("name", "A repository with this name already exists in this organization");
    await tx.insert(pullMirrors).values({
      repoId: repo.id,
      url,
      credentialsEncrypted: credentials ? encrypt(JSON.stringify(credentials), CREDENTIALS_CONTEXT) : null,
      intervalMinutes: interval,
      nextSyncAt: new Date(Date.now() + interval * 60_000),
    });
    await enqueueWith(tx, queues.pullMirrorSync, [{ repoId: repo.id }], { retryLimit: 0 });
    return repo.id;
  });
  const repo = (await getRepoById(db, repoId))!;
  await ensureRepoOnDisk(db, repo);
  return repo;
}

export async function getPullMirror(db: DbOrTx, repoId: string): Promise<PullMirror | null> {
  const [row] = await db.select().from(pullMirrors).where(eq(pullMirrors.repoId, repoId));
  return row ?? null;
}

/** What pages may show: everything but the credentials. */
export function publicMirror(m: PullMirror) {
  return {
    url: m.url,
    hasCredentials: m.credentialsEncrypted !== null,
    intervalMinutes: m.intervalMinutes,
    nextSyncAt: m.nextSyncAt,
    lastSyncAt: m.lastSyncAt,
    lastStatus: m.lastStatus,
    lastError: m.lastError,
    lastDurationMs: m.lastDurationMs,
  };
}

async function refsOf(dir: string) {
  const r = await gitIn(dir).raw(["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"]);
  return new Map(
    r
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const i = l.indexOf(" ");
        return [l.slice(i + 1), l.slice(0, i)] as const;
      }),
  );
}

const ZERO = "0".repeat(40);
const inflight = new Map<string, Promise<SyncResult | null>>();

export type SyncResult = { status: "ok" | "error"; error: string | null; updates: { ref: string; oldSha: string; newSha: string }[]; durationMs: number };

/**
 * Fetches the upstream's branches and tags (`git fetch --prune`, forced: the upstream is
 * the truth), follows its default branch, records the outcome on the mirror, and fires
 * push/tag webhooks for what moved. Never throws for upstream problems: they are recorded.
 */
export function syncPullMirror(db: DbOrTx, repoId: string, opts: { timeoutMs?: number } = {}): Promise<SyncResult | null> {
  const pending = inflight.get(repoId);
  if (pending) return pending;
  const work = sync(db, repoId, opts.timeoutMs ?? MIRROR_TIMEOUT_MS).finally(() => inflight.delete(repoId));
  inflight.set(repoId, work);
  return work;
}

async function sync(db: DbOrTx, repoId: string, timeoutMs: number): Promise<SyncResult | null> {
  const repo = await getRepoById(db, repoId);
  const mirror = repo?.kind === "pull-mirror" ? await getPullMirror(db, repoId) : null;
  if (!repo || !mirror) return null;
  const dir = await ensureRepoOnDisk(db, repo);
  const started = Date.now();
  const credentials = credentialsOf(mirror);
  const remote = remoteArgs(credentials);
  const before = await refsOf(dir);
  let error: string | null = null;
  let defaultBranch = repo.defaultBranch;
  try {
    const fetched = await runGitTimed(
      [...remote.args, "fetch", "--quiet", "--prune", "--force", "--no-write-fetch-head", mirror.url, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
      { cwd: dir, env: remote.env, timeoutMs },
    );
    if (fetched.timedOut) error = `Timed out after ${Math.round(timeoutMs / 1000)} s`;
    else if (fetched.code !== 0) error = redact(fetched.stderr, credentials);
    else {
      const head = await runGitTimed([...remote.args, "ls-remote", "--symref", mirror.url, "HEAD"], { cwd: dir, env: remote.env, timeoutMs: 60_000 });
      const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(head.stdout)?.[1];
      const after = await refsOf(dir);
      const target =
        branch && after.has(`refs/heads/${branch}`) ? branch
        : after.has(`refs/heads/${repo.defaultBranch}`) ? repo.defaultBranch
        : null;
      if (target) {
        await gitIn(dir).raw(["symbolic-ref", "HEAD", `refs/heads/${target}`]);
        defaultBranch = target;
      }
    }
  } catch (e) {
    error = redact(e instanceof Error ? e.message : String(e), credentials);
  }
  const after = await refsOf(dir);
  const updates = [...new Set([...before.keys(), ...after.keys()])]
    .filter((ref) => before.get(ref) !== after.get(ref))
    .map((ref) => ({ ref, oldSha: before.get(ref) ?? ZERO, newSha: after.get(ref) ?? ZERO }));
  const durationMs = Date.now() - started;
  const now = new Date();
  await db
    .update(pullMirrors)
    .set({
      lastSyncAt: now,
      lastStatus: error ? "error" : "ok",
      lastError: error,
      lastDurationMs: durationMs,
      nextSyncAt: new Date(now.getTime() + mirror.intervalMinutes * 60_000),
    })
    .where(eq(pullMirrors.repoId, repoId));
  if (defaultBranch !== repo.defaultBranch) await db.update(repositories).set({ defaultBranch, updatedAt: now }).where(eq(repositories.id, repoId));
  if (updates.length) {
    await markPushed(db, repoId);
    await emitPushEvents(db, { ...repo, defaultBranch }, updates, null).catch((e) =>
      console.error(`webhooks for mirror ${repo.orgSlug}/${repo.name}:`, e instanceof Error ? e.message : e),
    );
  }
  return { status: error ? "error" : "ok", error, updates, durationMs };
}

/** "Sync now": queue a sync for the workers. */
export async function requestMirrorSync(db: DbOrTx, repoId: string) {
  await enqueueWith(db, queues.pullMirrorSync, [{ repoId }], { retryLimit: 0 });
}

/**
 * The schedule (every few minutes): claims mirrors whose time has come by moving their
 * next sync forward (so overlapping runs never pick one twice) and queues their syncs.
 * Mirrors in archived repositories or organizations are left alone.
 */
export async function queueDueMirrors(db: DbOrTx, limit = 100) {
  const claimed = await db.execute<{ repo_id: string }>(sql`
    update pull_mirrors set next_sync_at = now() + interval_minutes * interval '1 minute'
    where repo_id in (
      select pm.repo_id from pull_mirrors pm
      join repositories r on r.id = pm.repo_id
      join organizations o on o.id = r.org_id
      where pm.next_sync_at <= now() and r.archived_at is null and o.archived_at is null
      order by pm.next_sync_at
      limit ${limit}
      for update of pm skip locked
    )
    returning repo_id`);
  const ids = [...claimed].map((r) => r.repo_id);
  await enqueueWith(
    db,
    queues.pullMirrorSync,
    ids.map((repoId) => ({ repoId })),
    { retryLimit: 0 },
  );
  return { queued: ids.length };
}
