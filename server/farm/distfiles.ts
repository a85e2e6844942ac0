import { infrastructureRepo } from "@/server/git/infrastructure";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { and, asc, count, desc, eq, gte, ilike, inArray, isNotNull, isNull, lt, sql, sum } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { containsPattern } from "@/db/like";
import { distfiles, distfileStats, memberships, organizations } from "@/db/schema";
import { recordAudit } from "@/server/audit";
import { can, type Actor } from "@/server/auth/policy";
import { getConfig } from "@/server/config";
import { DomainError, InputError, NotFoundError } from "@/server/errors";
import { grepCommit } from "@/server/git/plumbing/grep";
import { listBranches } from "@/server/git/plumbing/read";
import { INFRASTRUCTURE_ORG, OVERLAY_REPO, PORTAGE_TREE_REPO, TREE_BRANCHES } from "@/server/git/repos";
import { hasControlChar } from "@/server/security/input";

/**
 * The distfiles mirror behind /distfiles/ (every generated build's GENTOO_MIRRORS).
 *
 * A file is served from the store when known; a miss is downloaded once from the upstream
 * mirrors (DISTFILES_UPSTREAM_MIRRORS, then the ebuild's SRC_URI from the tree's md5-cache),
 * verified against a `DIST` line of a Manifest in infrastructure/gentoo or
 * infrastructure/overlay (size, BLAKE2B and SHA512), and only then stored. Bytes live once
 * per BLAKE2B under DATA_DIR/distfiles/.store/<2 hex>/<blake2b>; rows name them.
 *
 * Concurrent misses of one file share one download in this process (`inflight`); several
 * portal processes (WEB_CONCURRENCY, replicas) may each download it once, and the last
 * rename wins with identical bytes.
 *
 * Private distfiles belong to one organization (fetch-restricted sources its leaders upload)
 * and are served, at the same /distfiles/ paths, only to its members and to admins.
 */

/** Our own layout, as Gentoo's mirrors publish it: portage reads it and asks the first path. */
export const LAYOUT_CONF = "[structure]\n0=filename-hash BLAKE2B 8\n1=flat\n";

export type Distfile = typeof distfiles.$inferSelect;

/** A distfile name: one path segment, no control characters, not hidden. */
export function isDistfileName(name: string) {
  return name.length > 0 && name.length <= 255 && !name.startsWith(".") && !/[/\\]/.test(name) && !hasControlChar(name);
}

/** Portage's hash names → node's algorithms (the ones a layout.conf may name). */
const algorithms: Record<string, string> = { BLAKE2B: "blake2b512", BLAKE2S: "blake2s256", SHA512: "sha512", SHA256: "sha256", SHA1: "sha1", MD5: "md5" };

type Layout = { kind: "flat" } | { kind: "filename-hash"; algo: string; cutoffs: number[] };

/** portage's FilenameHashLayout.get_path: hex digest of the UTF-8 name, cut into directories of `cutoff` bits each. */
export function layoutPath(filename: string, layout: Layout = { kind: "filename-hash", algo: "BLAKE2B", cutoffs: [8] }): string {
  if (layout.kind === "flat") return filename;
  let hash = createHash(algorithms[layout.algo]).update(filename, "utf8").digest("hex");
  let dirs = "";
  for (const bits of layout.cutoffs) {
    dirs += hash.slice(0, bits / 4) + "/";
    hash = hash.slice(bits / 4);
  }
  return dirs + filename;
}

/** The `[structure]` entries of a mirror's layout.conf that we can follow, in order (as MirrorLayoutConfig reads them). */
export function parseMirrorLayoutConf(text: string): Layout[] {
  const entries = new Map<number, string[]>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) section = s[1].trim();
    const kv = /^(\d+)\s*[=:]\s*(.+)$/.exec(line);
    if (section === "structure" && kv) entries.set(Number(kv[1]), kv[2].split(/\s+/));
  }
  const layouts: Layout[] = [];
  for (let i = 0; entries.has(i); i++) {
    const [kind, algo, cutoffs] = entries.get(i)!;
    if (kind === "flat") layouts.push({ kind: "flat" });
    else if (kind === "filename-hash" && algo in algorithms && /^\d+(:\d+)*$/.test(cutoffs ?? "")) {
      const bits = cutoffs.split(":").map(Number);
      if (bits.every((b) => b > 0 && b % 4 === 0)) layouts.push({ kind: "filename-hash", algo, cutoffs: bits });
    }
  }
  return layouts.length ? layouts : [{ kind: "flat" }];
}

// ---------------------------------------------------------------- Manifests

export type ManifestEntry = { size: number; blake2b: string; sha512: string; repo: string; branch: string; manifest: string };

/** `DIST <name> <size> BLAKE2B <hex> SHA512 <hex>` (other hashes may be present too). */
export function parseDistLine(line: string): { filename: string; size: number; hashes: Record<string, string> } | null {
  const words = line.trim().split(/\s+/);
  if (words[0] !== "DIST" || words.length < 3 || !/^\d+$/.test(words[2])) return null;
  const hashes: Record<string, string> = {};
  for (let i = 3; i + 1 < words.length; i += 2) hashes[words[i]] = words[i + 1].toLowerCase();
  return { filename: words[1], size: Number(words[2]), hashes };
}

/** The trees and branch heads Manifests are read from; missing repositories and branches are skipped. */
async function treeHeads(db: DbOrTx) {
  const heads: { repo: string; dir: string; branch: string; sha: string }[] = [];
  for (const name of [PORTAGE_TREE_REPO, OVERLAY_REPO]) {
    const { dir } = (await infrastructureRepo(db, name)) ?? {};
    if (!dir) continue;
    const branches = await listBranches(dir);
    for (const branch of TREE_BRANCHES) {
      const b = branches.find((x) => x.name === branch);
      if (b) heads.push({ repo: `${INFRASTRUCTURE_ORG}/${name}`, dir, branch, sha: b.sha });
    }
  }
  return heads;
}

/**
 * Every distinct Manifest entry for `filename` at the heads of development, staging and
 * production of the portage tree mirror and the overlay (a re-rolled tarball may differ
 * between branches; a download matching any of them is the file some branch builds).
 */
export async function findManifestEntries(db: DbOrTx, filename: string): Promise<(ManifestEntry & { dir: string; sha: string })[]> {
  const found: (ManifestEntry & { dir: string; sha: string })[] = [];
  for (const head of await treeHeads(db)) {
    const { hits } = await grepCommit(head.dir, head.sha, `DIST ${filename} `, {
      perFile: 1,
      limit: 10,
      timeoutMs: 60_000,
      caseSensitive: true,
      paths: ["*/*/Manifest"],
    });
    for (const hit of hits) {
      const d = parseDistLine(hit.text);
      if (!d || d.filename !== filename || !d.hashes.BLAKE2B || !d.hashes.SHA512) continue;
      if (found.some((f) => f.blake2b === d.hashes.BLAKE2B && f.sha512 === d.hashes.SHA512 && f.size === d.size)) continue;
      found.push({
        size: d.size,
        blake2b: d.hashes.BLAKE2B,
        sha512: d.hashes.SHA512,
        repo: head.repo,
        branch: head.branch,
        manifest: hit.path,
        dir: head.dir,
        sha: head.sha,
      });
    }
  }
  return found;
}

/**
 * SRC_URI locations of `filename` from the tree's metadata/md5-cache entries of the package
 * whose Manifest lists it (http/https only; `uri -> name` renames honoured).
 */
export async function srcUriCandidates(entry: { dir: string; sha: string; manifest: string }, filename: string): Promise<string[]> {
  const pkg = path.posix.dirname(entry.manifest); // cat/pn
  const [category, pn] = pkg.split("/");
  const { hits } = await grepCommit(entry.dir, entry.sha, filename, {
    perFile: 1,
    limit: 50,
    timeoutMs: 30_000,
    caseSensitive: true,
    paths: [`metadata/md5-cache/${category}/${pn}-[0-9]*`],
  });
  const urls: string[] = [];
  for (const hit of hits) {
    if (!hit.text.startsWith("SRC_URI=")) continue;
    const words = hit.text.slice("SRC_URI=".length).split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      if (!/^https?:\/\//.test(words[i])) continue;
      const renamed = words[i + 1] === "->" ? words[i + 2] : null;
      const name = renamed ?? decodeURIComponent(new URL(words[i]).pathname.split("/").pop() ?? "");
      if (name === filename && !urls.includes(words[i])) urls.push(words[i]);
    }
  }
  return urls;
}

// ---------------------------------------------------------------- store

export class DistfileNotFoundError extends NotFoundError {}

/** Upstream answered, but not with the file the Manifest describes (or not at all): 502. */
export class DistfileUpstreamError extends DomainError {
  readonly status = 502;
}

function root() {
  return getConfig().distfiles.dir;
}

export function storePath(blake2b: string) {
  return path.join(root(), ".store", blake2b.slice(0, 2), blake2b);
}

function tempPath() {
  const dir = path.join(root(), ".tmp");
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${Date.now()}-${randomBytes(6).toString("hex")}`);
}

type Digests = { size: number; blake2b: string; sha512: string };

/** Streams `body` into `file`, hashing as it goes; more than `maxSize` bytes aborts with `tooLarge`. */
async function receive(body: Readable, file: string, maxSize: number, tooLarge: () => Error): Promise<Digests> {
  const b2 = createHash("blake2b512");
  const s5 = createHash("sha512");
  let size = 0;
  const hash = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxSize) return done(tooLarge());
      b2.update(chunk);
      s5.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(body, hash, fs.createWriteStream(file, { mode: 0o644 }));
  return { size, blake2b: b2.digest("hex"), sha512: s5.digest("hex") };
}

/** Moves a verified temporary file to its content address (atomic rename, same file system). */
function keep(tmp: string, blake2b: string) {
  const dest = storePath(blake2b);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.renameSync(tmp, dest);
}

async function countStat(db: DbOrTx, field: "hits" | "fetches" | "refused") {
  await db
    .insert(distfileStats)
    .values({ day: sql`current_date`, [field]: 1 })
    .onConflictDoUpdate({ target: distfileStats.day, set: { [field]: sql`${distfileStats[field]} + 1` } });
}

/** A file was served: its last use (retention) and the hit counters. */
export async function markUsed(db: Db, row: Distfile) {
  await db
    .update(distfiles)
    .set({ hits: sql`${distfiles.hits} + 1`, lastUsedAt: sql`now()` })
    .where(eq(distfiles.id, row.id));
  await countStat(db, "hits");
}

// ---------------------------------------------------------------- upstream

const layoutCache = new Map<string, { at: number; layouts: Layout[] }>();
const DEFAULT_LAYOUTS: Layout[] = [{ kind: "filename-hash", algo: "BLAKE2B", cutoffs: [8] }, { kind: "flat" }];

/**
 * A mirror's layouts from its /distfiles/layout.conf (kept a day, as portage does). A mirror
 * that answers 404 has none, so it is flat (portage's fallback); one that cannot be asked
 * now is tried by filename-hash, then flat.
 */
async function upstreamLayouts(base: string): Promise<Layout[]> {
  const cached = layoutCache.get(base);
  if (cached && cached.at > Date.now() - 86_400_000) return cached.layouts;
  let layouts = DEFAULT_LAYOUTS;
  try {
    const res = await fetch(`${base}/distfiles/layout.conf`, { signal: AbortSignal.timeout(10_000) });
    if (res.ok) layouts = parseMirrorLayoutConf(await res.text());
    else if (res.status === 404 || res.status === 410) layouts = [{ kind: "flat" }];
    else return DEFAULT_LAYOUTS;
  } catch {
    // unreachable now: try the usual layouts, ask again next time
    return DEFAULT_LAYOUTS;
  }
  layoutCache.set(base, { at: Date.now(), layouts });
  return layouts;
}

/** Where to look for `filename`, in order: each upstream mirror by its layouts, then SRC_URI. */
async function candidates(filename: string, entries: Awaited<ReturnType<typeof findManifestEntries>>) {
  const urls: string[] = [];
  for (const base of getConfig().distfiles.upstreams)
    for (const layout of await upstreamLayouts(base)) {
      const url = `${base}/distfiles/${layoutPath(filename, layout).split("/").map(encodeURIComponent).join("/")}`;
      if (!urls.includes(url)) urls.push(url);
    }
  for (const e of entries) for (const url of await srcUriCandidates(e, filename)) if (!urls.includes(url)) urls.push(url);
  return urls;
}

const FETCH_TIMEOUT_MS = 60 * 60 * 1000;
const inflight = new Map<string, Promise<Distfile>>();
const unknownNames = new Map<string, number>();

/**
 * The public row of `filename`, downloading and verifying it first when it is not stored yet.
 * Throws DistfileNotFoundError (no Manifest lists it) or DistfileUpstreamError (no upstream
 * had matching bytes; nothing stored).
 */
export function fetchDistfile(db: Db, filename: string): Promise<Distfile> {
  const pending = inflight.get(filename);
  if (pending) return pending;
  const work = download(db, filename).finally(() => inflight.delete(filename));
  inflight.set(filename, work);
  return work;
}

async function download(db: Db, filename: string): Promise<Distfile> {
  // A name no Manifest knew a minute ago is refused without searching the trees again.
  const refusedAt = unknownNames.get(filename);
  const entries = refusedAt && refusedAt > Date.now() - 60_000 ? [] : await findManifestEntries(db, filename);
  if (!entries.length) {
    if (unknownNames.size > 1000) unknownNames.clear();
    if (!refusedAt || refusedAt <= Date.now() - 60_000) unknownNames.set(filename, Date.now());
    await countStat(db, "refused");
    throw new DistfileNotFoundError(
      `${filename}: no Manifest in ${INFRASTRUCTURE_ORG}/${PORTAGE_TREE_REPO} or ${INFRASTRUCTURE_ORG}/${OVERLAY_REPO} (${TREE_BRANCHES.join(", ")}) lists it, so Rookery does not mirror it. ` +
        `A fetch-restricted source is uploaded by an organization's leaders (PUT /distfiles/orgs/<org>/${filename}) and served to its members.`,
    );
  }
  unknownNames.delete(filename);
  const maxSize = Math.max(...entries.map((e) => e.size));
  const problems: string[] = [];
  for (const url of await candidates(filename, entries)) {
    const tmp = tempPath();
    try {
      const res = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        problems.push(`${url}: HTTP ${res.status}`);
        continue;
      }
      const got = await receive(
        Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
        tmp,
        maxSize,
        () => new Error(`more than the Manifest's ${maxSize} bytes`),
      );
      const match = entries.find((e) => e.size === got.size && e.blake2b === got.blake2b && e.sha512 === got.sha512);
      if (!match) {
        const e = entries[0];
        const what =
          got.size !== e.size ? `size ${got.size}, the Manifest says ${e.size}`
          : got.blake2b !== e.blake2b ? "BLAKE2B differs from the Manifest's"
          : "SHA512 differs from the Manifest's";
        problems.push(`${url}: ${what} (${e.repo} ${e.branch}: ${e.manifest})`);
        continue;
      }
      keep(tmp, got.blake2b);
      const [row] = await db.transaction(async (tx) => {
        await countStat(tx, "fetches");
        return tx
          .insert(distfiles)
          .values({ filename, orgId: null, ...got, source: url })
          .onConflictDoUpdate({
            target: distfiles.filename,
            targetWhere: isNull(distfiles.orgId),
            set: { ...got, source: url, lastUsedAt: sql`now()` },
          })
          .returning();
      });
      return row;
    } catch (e) {
      problems.push(`${url}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  await countStat(db, "refused");
  throw new DistfileUpstreamError(`${filename}: not stored, no upstream had the file its Manifest describes. ${problems.join("; ")}`);
}

// ---------------------------------------------------------------- lookups

export async function publicDistfile(db: DbOrTx, filename: string): Promise<Distfile | null> {
  const [row] = await db
    .select()
    .from(distfiles)
    .where(and(eq(distfiles.filename, filename), isNull(distfiles.orgId)));
  return row ?? null;
}

/** The private distfile of that name in an organization `actor` may read it in (admins: any), or null. */
export async function privateDistfileFor(db: DbOrTx, actor: Actor, filename: string, orgSlug?: string): Promise<Distfile | null> {
  if (actor.kind !== "user") return null;
  const rows = await db
    .select({ file: distfiles, archivedAt: organizations.archivedAt, role: memberships.role })
    .from(distfiles)
    .innerJoin(organizations, eq(organizations.id, distfiles.orgId))
    .leftJoin(memberships, and(eq(memberships.orgId, organizations.id), eq(memberships.userId, actor.id)))
    .where(and(eq(distfiles.filename, filename), isNotNull(distfiles.orgId), orgSlug ? eq(organizations.slug, orgSlug) : undefined))
    .orderBy(asc(distfiles.createdAt));
  const ok = rows.find((r) => can(actor, "org:distfiles:read", { id: r.file.orgId!, archived: r.archivedAt !== null, role: r.role ?? null }));
  return ok?.file ?? null;
}

/** Whether some organization has a private distfile of that name (anonymous callers are then asked for credentials). */
export async function isPrivateName(db: DbOrTx, filename: string) {
  const [row] = await db
    .select({ id: distfiles.id })
    .from(distfiles)
    .where(and(eq(distfiles.filename, filename), isNotNull(distfiles.orgId)))
    .limit(1);
  return !!row;
}

// ---------------------------------------------------------------- private uploads

const MAX_UPLOAD = 16 * 1024 * 1024 * 1024;

/**
 * Stores `body` as `filename`, private to the organization (the caller authorized
 * org:distfiles:manage). When a Manifest lists the name, the bytes must match it.
 */
export async function uploadPrivateDistfile(db: Db, actor: Actor & { kind: "user" }, org: { id: string; slug: string }, filename: string, body: Readable) {
  if (!isDistfileName(filename)) throw new InputError("filename", "A distfile name is one path segment without control characters, not starting with a dot");
  const tmp = tempPath();
  try {
    const got = await receive(body, tmp, MAX_UPLOAD, () => new InputError("file", `Larger than ${MAX_UPLOAD} bytes`));
    const entries = await findManifestEntries(db, filename);
    if (entries.length && !entries.some((e) => e.size === got.size && e.blake2b === got.blake2b && e.sha512 === got.sha512))
      throw new InputError(
        "file",
        `${filename} does not match its Manifest entry (${entries[0].repo} ${entries[0].branch}: ${entries[0].manifest}, ${entries[0].size} bytes): size ${got.size}`,
      );
    keep(tmp, got.blake2b);
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(distfiles)
        .values({ filename, orgId: org.id, ...got, source: "upload", uploadedBy: actor.id })
        .onConflictDoUpdate({
          target: [distfiles.orgId, distfiles.filename],
          targetWhere: isNotNull(distfiles.orgId),
          set: { ...got, source: "upload", uploadedBy: actor.id, createdAt: sql`now()`, lastUsedAt: sql`now()` },
        })
        .returning();
      await recordAudit(tx, {
        actor,
        action: "distfile.upload",
        orgId: org.id,
        targetType: "distfile",
        targetId: row.id,
        outcome: "success",
        details: { filename, size: got.size, blake2b: got.blake2b, manifest: entries.length > 0 },
      });
      return row;
    });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

// ---------------------------------------------------------------- admin: stats, list, delete, retention

export async function distfileStatsSummary(db: DbOrTx, days = 30) {
  const [files] = await db.select({ files: count(), bytes: sum(distfiles.size) }).from(distfiles);
  const [stored] = await db
    .select({ bytes: sql<string>`coalesce(sum(size), 0)` })
    .from(db.selectDistinctOn([distfiles.blake2b], { size: distfiles.size }).from(distfiles).as("blobs"));
  const [s] = await db
    .select({
      hits: sql<number>`coalesce(sum(hits), 0)::int`,
      fetches: sql<number>`coalesce(sum(fetches), 0)::int`,
      refused: sql<number>`coalesce(sum(refused), 0)::int`,
    })
    .from(distfileStats)
    .where(gte(distfileStats.day, sql`current_date - ${days}::int`));
  const requests = s.hits + s.fetches;
  return {
    files: files.files,
    bytes: Number(files.bytes ?? 0),
    storedBytes: Number(stored.bytes),
    days,
    hits: s.hits,
    fetches: s.fetches,
    refused: s.refused,
    hitRate: requests ? s.hits / requests : null,
  };
}

export async function listDistfiles(db: DbOrTx, opts: { page: number; perPage: number; query?: string; orgId?: string }) {
  const where = and(opts.query ? ilike(distfiles.filename, containsPattern(opts.query)) : undefined, opts.orgId ? eq(distfiles.orgId, opts.orgId) : undefined);
  const rows = await db
    .select({
      id: distfiles.id,
      filename: distfiles.filename,
      org: organizations.slug,
      size: distfiles.size,
      blake2b: distfiles.blake2b,
      source: distfiles.source,
      hits: distfiles.hits,
      createdAt: distfiles.createdAt,
      lastUsedAt: distfiles.lastUsedAt,
    })
    .from(distfiles)
    .leftJoin(organizations, eq(organizations.id, distfiles.orgId))
    .where(where)
    .orderBy(desc(distfiles.lastUsedAt), asc(distfiles.filename))
    .limit(opts.perPage)
    .offset((opts.page - 1) * opts.perPage);
  const [total] = await db.select({ n: count() }).from(distfiles).where(where);
  return { rows, total: total.n, page: opts.page, perPage: opts.perPage };
}

export async function getDistfile(db: DbOrTx, id: string) {
  const [row] = await db.select().from(distfiles).where(eq(distfiles.id, id));
  return row ?? null;
}

/** Removes the bytes of these BLAKE2Bs that no row names any more. */
async function removeUnusedBlobs(db: DbOrTx, blake2bs: string[]) {
  if (!blake2bs.length) return 0;
  const used = new Set((await db.selectDistinct({ b: distfiles.blake2b }).from(distfiles).where(inArray(distfiles.blake2b, blake2bs))).map((r) => r.b));
  let freed = 0;
  for (const b of new Set(blake2bs)) {
    if (used.has(b)) continue;
    try {
      freed += fs.statSync(storePath(b)).size;
      fs.rmSync(storePath(b), { force: true });
    } catch {
      // already gone
    }
  }
  return freed;
}

/** Deletes one stored file (admins: any; the caller authorized it), and its bytes once nothing else names them. */
export async function deleteDistfile(db: Db, actor: Actor, id: string) {
  const row = await db.transaction(async (tx) => {
    const [row] = await tx.delete(distfiles).where(eq(distfiles.id, id)).returning();
    if (!row) throw new NotFoundError("No such distfile (deleted meanwhile?)");
    await recordAudit(tx, {
      actor,
      action: "distfile.delete",
      orgId: row.orgId,
      targetType: "distfile",
      targetId: row.id,
      outcome: "success",
      details: { filename: row.filename, size: row.size },
    });
    return row;
  });
  await removeUnusedBlobs(db, [row.blake2b]);
  return row;
}

/**
 * Retention: public files not used for `days` are forgotten (they are fetched again when
 * asked); private uploads are kept until deleted. Then bytes no row names and temporary
 * files of killed downloads are removed (only those older than an hour: a download that
 * just stored its bytes inserts its row right after).
 */
export async function pruneDistfiles(db: Db, days: number) {
  const removed = await db
    .delete(distfiles)
    .where(and(isNull(distfiles.orgId), lt(distfiles.lastUsedAt, sql`now() - make_interval(days => ${days}::int)`)))
    .returning({ filename: distfiles.filename, blake2b: distfiles.blake2b, size: distfiles.size });
  let freedBytes = await removeUnusedBlobs(
    db,
    removed.map((r) => r.blake2b),
  );
  const hourAgo = Date.now() - 3600_000;
  const store = path.join(root(), ".store");
  const orphans: string[] = [];
  for (const dir of fs.existsSync(store) ? fs.readdirSync(store) : [])
    for (const name of fs.readdirSync(path.join(store, dir))) if (fs.statSync(path.join(store, dir, name)).mtimeMs < hourAgo) orphans.push(name);
  if (orphans.length) {
    const used = new Set<string>();
    for (let i = 0; i < orphans.length; i += 1000)
      for (const r of await db
        .selectDistinct({ b: distfiles.blake2b })
        .from(distfiles)
        .where(inArray(distfiles.blake2b, orphans.slice(i, i + 1000))))
        used.add(r.b);
    for (const b of orphans.filter((o) => !used.has(o))) {
      freedBytes += fs.statSync(storePath(b)).size;
      fs.rmSync(storePath(b), { force: true });
    }
  }
  const tmp = path.join(root(), ".tmp");
  for (const name of fs.existsSync(tmp) ? fs.readdirSync(tmp) : [])
    if (fs.statSync(path.join(tmp, name)).mtimeMs < hourAgo - 86_400_000) fs.rmSync(path.join(tmp, name), { force: true });
  return { removed: removed.length, freedBytes };
}

export async function distfilesPruneJob(db: Db) {
  const days = getConfig().distfiles.retentionDays;
  const r = await pruneDistfiles(db, days);
  if (r.removed || r.freedBytes) console.log(`distfiles retention (${days} days): ${r.removed} files forgotten, ${r.freedBytes} bytes freed`);
  return { days, ...r };
}
