import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { mkdir, readlink, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { and, asc, desc, eq, ilike, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { binhostPackages, binhostPublications, binhostTags } from "@/db/schema";
import { getConfig } from "@/server/config";
import { crashPoint } from "@/server/intents";
import { queues, sendJob } from "@/server/jobs";
import { withSigner, type Signer } from "@/server/pki/gpg";
import { readGpkg, type Gpkg } from "./gpkg";
import { signGpkg } from "./gpkg-sign";
import { entryFor, formatHeader, formatStanza, headerFields, packagePath, sortEntries, splitCpv, type IndexEntry } from "./packages-index";
import { profileNamePattern } from "./profiles";
import { vercmp } from "./vercmp";

/**
 * The binhost on disk, under DATA_DIR/binhost:
 *   .store/<sha1[0,2]>/<sha1>.gpkg.tar          every package file once (content-addressed)
 *   .publications/<env>/<arch>/<profile>/<id>/  one published index: Packages, Packages.gz and
 *                                               cat/pn/pf-BUILD_ID.gpkg.tar hard links into the store
 *   <env>/gentoo/<arch>/<profile>               symlink to the live publication (swapped atomically)
 * A file is freed when no publication links it any more (link count 1: only the store).
 */

export type Target = { environment: string; arch: string; profile: string };

/** The condition "a publication of this target" (environment, arch and profile). */
export function ofTarget(t: Target) {
  return and(eq(binhostPublications.environment, t.environment), eq(binhostPublications.arch, t.arch), eq(binhostPublications.profile, t.profile));
}

export const envPattern = /^[a-z][a-z0-9-]{0,31}$/;
export const archPattern = /^[a-z0-9_-]{1,32}$/;

export function binhostRoot() {
  return getConfig().binhost.dir;
}

export function checkTarget(t: Target) {
  if (!envPattern.test(t.environment) || !archPattern.test(t.arch) || !profileNamePattern.test(t.profile)) throw new Error("invalid binhost target");
}

function liveLink(t: Target) {
  return path.join(binhostRoot(), t.environment, "gentoo", t.arch, t.profile);
}

export function publicationsDir(t: Target) {
  return path.join(binhostRoot(), ".publications", t.environment, t.arch, t.profile);
}

function storePath(sha1: string) {
  return path.join(binhostRoot(), ".store", sha1.slice(0, 2), `${sha1}.gpkg.tar`);
}

/**
 * Puts a copy of a file into the store, once (a reflink where the filesystem can). A copy,
 * not a link to the caller's file: the store's link count must count publications only.
 */
async function store(file: string, sha1: string) {
  const dest = storePath(sha1);
  if (fs.existsSync(dest)) return dest;
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await fs.promises.copyFile(file, tmp, fs.constants.COPYFILE_FICLONE);
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
  return dest;
}

async function writeIndex(dir: string, header: Record<string, string>, entries: IndexEntry[]) {
  const sorted = sortEntries(entries);
  async function* text() {
    yield formatHeader(header);
    for (const e of sorted) yield formatStanza(e, header);
  }
  await pipeline(text, fs.createWriteStream(path.join(dir, "Packages")));
  await pipeline(fs.createReadStream(path.join(dir, "Packages")), createGzip(), fs.createWriteStream(path.join(dir, "Packages.gz")));
}

/** Portage asks with If-Modified-Since = its cached TIMESTAMP + 5 s (TIMESTAMP_TOLERANCE in portage's _urlopen). */
const PORTAGE_TIMESTAMP_TOLERANCE_S = 5;

async function indexTimestamp(dir: string): Promise<number> {
  // the header comes first; package stanzas carry no TIMESTAMP
  const text = await fs.promises.readFile(path.join(dir, "Packages"), "utf8").catch(() => "");
  return Number(/^TIMESTAMP: (\d+)$/m.exec(text)?.[1] ?? 0);
}

/**
 * Gives a publication's index a new TIMESTAMP (and file time), atomically: a build that goes
 * live again after a rollback must look newer than the index clients cached, or portage's
 * If-Modified-Since / TIMESTAMP check keeps the cached one. `after` is the directory of the
 * index clients may hold: the new stamp lies beyond its TIMESTAMP plus portage's tolerance,
 * even when the rollback follows that publication within seconds.
 */
export async function restampIndex(t: Target, dir: string, after?: string) {
  const full = path.join(publicationsDir(t), dir);
  const text = await fs.promises.readFile(path.join(full, "Packages"), "utf8");
  const end = text.indexOf("\n\n");
  const head = end < 0 ? text : text.slice(0, end);
  const previous = after ? await indexTimestamp(path.join(publicationsDir(t), after)) : 0;
  const stamp = Math.max(Math.floor(Date.now() / 1000), previous + PORTAGE_TIMESTAMP_TOLERANCE_S + 1);
  const restamped = head.replace(/^TIMESTAMP: \d+$/m, `TIMESTAMP: ${stamp}`) + (end < 0 ? "" : text.slice(end));
  const tmp = `.${randomBytes(4).toString("hex")}`;
  try {
    await fs.promises.writeFile(path.join(full, `Packages${tmp}`), restamped);
    await pipeline(fs.createReadStream(path.join(full, `Packages${tmp}`)), createGzip(), fs.createWriteStream(path.join(full, `Packages.gz${tmp}`)));
    // Last-Modified is the file time: never older than the TIMESTAMP inside.
    for (const f of [`Packages${tmp}`, `Packages.gz${tmp}`]) await fs.promises.utimes(path.join(full, f), stamp, stamp);
    await rename(path.join(full, `Packages.gz${tmp}`), path.join(full, "Packages.gz"));
    await rename(path.join(full, `Packages${tmp}`), path.join(full, "Packages"));
  } finally {
    await rm(path.join(full, `Packages${tmp}`), { force: true });
    await rm(path.join(full, `Packages.gz${tmp}`), { force: true });
  }
}

export type PublishInput = Target & {
  /** Ancestor profiles nearest first: their live packages are not stored again here. */
  parents: string[];
  chost: string;
  /** The portage profile the packages were built with (PROFILE in the header). */
  portageProfile: string;
  /** Public base URL of the binhost (…/packages). */
  baseUrl: string;
  files: string[];
  /** How errors name each file (same order as `files`; default: its base name). */
  labels?: string[];
  /** More checks of each verified package (an upload's name against its metadata); throws GpkgError to refuse. */
  verify?: (gpkg: Gpkg, label: string) => void;
  /** The farm job that built the packages (its logs, artifacts and pinned commits); none for uploads. */
  jobId?: string | null;
};

export type PublishResult = { publicationId: string; number: number; packages: number; inherited: number; bytes: number; dir: string; signedBy: string | null };

/** Packages of the live publications of some targets. */
async function livePackages(db: DbOrTx, targets: Target[]) {
  if (!targets.length) return [];
  const rows = await db
    .select({
      profile: binhostPublications.profile,
      cpv: binhostPackages.cpv,
      sha1: sql<string>`coalesce(${binhostPackages.sourceSha1}, ${binhostPackages.sha1})`,
    })
    .from(binhostPackages)
    .innerJoin(binhostPublications, eq(binhostPublications.id, binhostPackages.publicationId))
    .where(
      and(
        isNull(binhostPublications.supersededAt),
        eq(binhostPublications.environment, targets[0].environment),
        eq(binhostPublications.arch, targets[0].arch),
        inArray(
          binhostPublications.profile,
          targets.map((t) => t.profile),
        ),
      ),
    );
  return rows;
}

/**
 * Publishes a complete build of one target: every gpkg is verified first (a corrupt or
 * truncated one rejects the whole publication, naming the file, and nothing changes),
 * packages a parent already publishes identically are left out, the rest are signed with
 * the environment's GPG key when it has one (GLEP 78), the new index is written into a
 * fresh directory, its rows committed, and then the live symlink swapped to it in one rename
 * (a crash between the steps is settled by reconcileBinhost: docs/intents.md).
 */
export async function publishBuild(db: Db, input: PublishInput): Promise<PublishResult> {
  checkTarget(input);
  return withSigner(db, input.environment, (signer) => publishWith(db, input, signer));
}

async function publishWith(db: Db, input: PublishInput, signer: Signer | null): Promise<PublishResult> {
  for (const p of input.parents) checkTarget({ ...input, profile: p });
  const pkgs: { file: string; gpkg: Gpkg }[] = [];
  for (const [i, file] of input.files.entries()) {
    const label = input.labels?.[i] ?? path.basename(file);
    const gpkg = await readGpkg(file, label);
    input.verify?.(gpkg, label);
    pkgs.push({ file, gpkg });
  }

  const parentPkgs = await livePackages(
    db,
    input.parents.map((profile) => ({ ...input, profile })),
  );
  const inheritedKeys = new Set(parentPkgs.map((p) => `${p.cpv} ${p.sha1}`));
  const notInherited = pkgs.filter((p) => !inheritedKeys.has(`${p.gpkg.metadata.CATEGORY}/${p.gpkg.metadata.PF} ${p.gpkg.sha1}`));
  // The same file twice in one build is published once.
  const own = [...new Map(notInherited.map((p) => [p.gpkg.sha1, { ...p, sourceSha1: p.gpkg.sha1 }])).values()];

  const id = `${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
  const dir = path.join(publicationsDir(input), id);
  const signing = path.join(binhostRoot(), ".signing", id);
  await mkdir(dir, { recursive: true });
  let result: PublishResult;
  try {
    if (signer) {
      await mkdir(signing, { recursive: true });
      for (const [i, p] of own.entries()) {
        const signed = await signGpkg(p.file, path.join(signing, `${i}-${path.basename(p.file)}`), signer);
        own[i] = { ...p, file: signed, gpkg: await readGpkg(signed) };
      }
    }
    const entries: IndexEntry[] = [];
    const seen = new Set<string>();
    for (const { gpkg } of own) {
      let buildId = Number(gpkg.metadata.BUILD_ID) || 1;
      while (seen.has(packagePath(gpkg.metadata, buildId))) buildId++;
      const rel = packagePath(gpkg.metadata, buildId);
      seen.add(rel);
      entries.push(entryFor(gpkg, buildId));
    }
    const byPath = new Map(own.map((p) => [p.gpkg.sha1, p]));
    for (const e of entries) {
      const src = byPath.get(e.SHA1)!;
      const stored = await store(src.file, e.SHA1);
      await mkdir(path.join(dir, path.dirname(e.PATH)), { recursive: true });
      await fs.promises.link(stored, path.join(dir, e.PATH));
    }
    const uri = `${input.baseUrl.replace(/\/+$/, "")}/${input.environment}/gentoo/${input.arch}/${input.profile}`;
    const header = headerFields(
      { arch: input.arch, chost: input.chost, profile: input.portageProfile, uri, timestamp: Math.floor(Date.now() / 1000) },
      entries.length,
    );
    await writeIndex(dir, header, entries);
    const bytes = entries.reduce((n, e) => n + Number(e.SIZE), 0);

    crashPoint("binhost-publish:after-write");

    const published = await db.transaction(async (tx) => {
      // One publisher per target at a time; the loser waits and then supersedes the winner.
      await lockTarget(tx, input);
      // Build numbers count up per target under its lock; a rollback never reuses one.
      const [{ last }] = await tx
        .select({ last: sql<number>`coalesce(max(${binhostPublications.number}), 0)::int` })
        .from(binhostPublications)
        .where(ofTarget(input));
      const [pub] = await tx
        .insert(binhostPublications)
        .values({
          number: last + 1,
          jobId: input.jobId ?? null,
          environment: input.environment,
          arch: input.arch,
          profile: input.profile,
          dir: id,
          packageCount: entries.length,
          bytes,
          inherited: pkgs.length - notInherited.length,
          signingKey: signer?.fingerprint ?? null,
        })
        .returning({ id: binhostPublications.id, number: binhostPublications.number });
      for (let i = 0; i < entries.length; i += 1000) {
        await tx.insert(binhostPackages).values(
          entries.slice(i, i + 1000).map((e) => ({
            publicationId: pub.id,
            cpv: e.CPV,
            slot: e.SLOT ?? "0",
            buildId: Number(e.BUILD_ID),
            path: e.PATH,
            size: Number(e.SIZE),
            sha1: e.SHA1,
            sourceSha1: byPath.get(e.SHA1)!.sourceSha1,
          })),
        );
      }
      await tx
        .update(binhostPublications)
        .set({ supersededAt: new Date() })
        .where(and(ofTarget(input), isNull(binhostPublications.supersededAt), sql`${binhostPublications.id} <> ${pub.id}`));
      return pub;
    });
    result = {
      publicationId: published.id,
      number: published.number,
      packages: entries.length,
      inherited: pkgs.length - notInherited.length,
      bytes,
      dir,
      signedBy: signer?.fingerprint ?? null,
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  } finally {
    await rm(signing, { recursive: true, force: true });
  }
  // The rows committed: from here on the publication only rolls forward (reconcileBinhost
  // swaps the link for a process that died before it did).
  crashPoint("binhost-publish:after-commit");
  await syncLiveLink(db, input);
  // the GLSA watch looks at the new package set (a lost job is made up by the daily scan)
  await sendJob(queues.glsaScan, { trigger: "publication" }, { retryLimit: 1 }).catch((e: Error) =>
    console.error(`binhost: queueing the GLSA scan failed: ${e.message}`),
  );
  return result;
}

export const lockTarget = (tx: DbOrTx, t: Target) =>
  tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`binhost:${t.environment}/${t.arch}/${t.profile}`}))`);

/**
 * Points a target's live link at the publication the database calls live. Under the
 * target's lock, so two publishers that committed one after the other cannot swap in the
 * wrong order. True when the link moved.
 */
export async function syncLiveLink(db: Db, t: Target) {
  return db.transaction(async (tx) => {
    await lockTarget(tx, t);
    const [live] = await tx
      .select({ dir: binhostPublications.dir })
      .from(binhostPublications)
      .where(and(ofTarget(t), isNull(binhostPublications.supersededAt)))
      .limit(1);
    if (!live) return false;
    const link = liveLink(t);
    const target = path.relative(path.dirname(link), path.join(publicationsDir(t), live.dir));
    if ((await readlink(link).catch(() => null)) === target) return false;
    await swapLink(link, target);
    return true;
  });
}

const subdirs = (dir: string) =>
  fs.existsSync(dir) ?
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
  : [];

/**
 * Makes the served binhost agree with the database after a crash (docs/intents.md): every
 * live link points at its live publication, and publication or signing directories that
 * no row names (a publisher killed before its commit) go once older than `graceMs` (a
 * younger one may belong to a publication still being written). With the intents
 * reconciler, at start-up and every minute.
 */
export async function reconcileBinhost(db: Db, graceMs = 60 * 60 * 1000) {
  let relinked = 0;
  for (const pub of await listLive(db)) if (await syncLiveLink(db, pub)) relinked++;
  const kept = await db
    .select({
      environment: binhostPublications.environment,
      arch: binhostPublications.arch,
      profile: binhostPublications.profile,
      dir: binhostPublications.dir,
    })
    .from(binhostPublications)
    .where(isNull(binhostPublications.removedAt));
  const named = new Set(kept.map((r) => path.join(publicationsDir(r), r.dir)));
  const old = (dir: string) => fs.statSync(dir).mtimeMs < Date.now() - graceMs;
  const orphans: string[] = [];
  const pubRoot = path.join(binhostRoot(), ".publications");
  for (const env of subdirs(pubRoot))
    for (const arch of subdirs(path.join(pubRoot, env)))
      for (const profile of subdirs(path.join(pubRoot, env, arch)))
        for (const id of subdirs(path.join(pubRoot, env, arch, profile))) {
          const dir = path.join(pubRoot, env, arch, profile, id);
          if (!named.has(dir) && old(dir)) orphans.push(dir);
        }
  const signingRoot = path.join(binhostRoot(), ".signing");
  for (const id of subdirs(signingRoot)) if (old(path.join(signingRoot, id))) orphans.push(path.join(signingRoot, id));
  for (const dir of orphans) await rm(dir, { recursive: true, force: true });
  return { relinked, orphansRemoved: orphans.length };
}

/** Points `link` at `target` with one rename: readers see the old or the new directory, never neither. */
async function swapLink(link: string, target: string) {
  await mkdir(path.dirname(link), { recursive: true });
  const tmp = `${path.dirname(link)}/.${path.basename(link)}.${randomBytes(4).toString("hex")}`;
  await symlink(target, tmp);
  try {
    await rename(tmp, link);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export type LivePublication = typeof binhostPublications.$inferSelect;

/** Live publications, optionally of one environment. */
export async function listLive(db: DbOrTx, environment?: string) {
  return db
    .select()
    .from(binhostPublications)
    .where(and(isNull(binhostPublications.supersededAt), environment ? eq(binhostPublications.environment, environment) : undefined))
    .orderBy(asc(binhostPublications.environment), asc(binhostPublications.arch), asc(binhostPublications.profile));
}

/** The live publication of a target and a page of its packages, or null. */
export async function listPublicationPackages(db: DbOrTx, t: Target, opts: { limit: number; offset: number }) {
  const [pub] = await db
    .select()
    .from(binhostPublications)
    .where(and(ofTarget(t), isNull(binhostPublications.supersededAt)))
    .limit(1);
  if (!pub) return null;
  const rows = await db
    .select({ cpv: binhostPackages.cpv, slot: binhostPackages.slot, buildId: binhostPackages.buildId, path: binhostPackages.path, size: binhostPackages.size })
    .from(binhostPackages)
    .where(eq(binhostPackages.publicationId, pub.id))
    .orderBy(asc(binhostPackages.cpv), asc(binhostPackages.buildId))
    .limit(opts.limit + 1)
    .offset(opts.offset);
  return { publication: pub, items: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

export type PackageChange = { package: string; from: string | null; to: string | null; kind: "added" | "removed" | "upgraded" | "downgraded" | "rebuilt" };

/**
 * What changed from the previous build of the same binhost (the highest-numbered one before
 * it that retention still keeps): packages added, removed, up- or downgraded, and rebuilt.
 */
export async function publicationChanges(db: DbOrTx, publicationId: string): Promise<{ previous: LivePublication | null; changes: PackageChange[] }> {
  const [pub] = await db.select().from(binhostPublications).where(eq(binhostPublications.id, publicationId)).limit(1);
  if (!pub) return { previous: null, changes: [] };
  const [previous] = await db
    .select()
    .from(binhostPublications)
    .where(and(ofTarget(pub), isNull(binhostPublications.removedAt), lt(binhostPublications.number, pub.number)))
    .orderBy(desc(binhostPublications.number))
    .limit(1);
  if (!previous) return { previous: null, changes: [] };
  return { previous, changes: await diffPublications(db, previous.id, pub.id) };
}

/**
 * The package changes from one publication to another (any two, of any targets): one line
 * per package and slot, sorted by package. Rows of a publication retention removed are gone,
 * so callers check `removedAt` first.
 */
export async function diffPublications(db: DbOrTx, fromId: string, toId: string): Promise<PackageChange[]> {
  const load = async (id: string) => {
    const rows = await db
      .select({ cpv: binhostPackages.cpv, slot: binhostPackages.slot, sha1: binhostPackages.sha1 })
      .from(binhostPackages)
      .where(eq(binhostPackages.publicationId, id));
    const byKey = new Map<string, { version: string; sha1: string }>();
    for (const r of rows) {
      const [cp, version] = splitCpv(r.cpv);
      // One line per package and slot (major versions side by side stay apart).
      byKey.set(`${cp}:${r.slot.split("/")[0]}`, { version, sha1: r.sha1 });
    }
    return byKey;
  };
  const [before, after] = await Promise.all([load(fromId), load(toId)]);
  const changes: PackageChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const pkg = key.replace(/:[^:]*$/, "");
    const b = before.get(key);
    const a = after.get(key);
    if (!b) changes.push({ package: pkg, from: null, to: a!.version, kind: "added" });
    else if (!a) changes.push({ package: pkg, from: b.version, to: null, kind: "removed" });
    else if (a.version !== b.version)
      changes.push({ package: pkg, from: b.version, to: a.version, kind: vercmp(a.version, b.version) > 0 ? "upgraded" : "downgraded" });
    else if (a.sha1 !== b.sha1) changes.push({ package: pkg, from: b.version, to: a.version, kind: "rebuilt" });
  }
  changes.sort((x, y) =>
    x.package < y.package ? -1
    : x.package > y.package ? 1
    : 0,
  );
  return changes;
}

/** "Which environments have dev-db/mysql-8.0.36?": packages of live publications whose CPV contains q. */
export async function searchPackages(db: DbOrTx, q: string, opts: { limit: number; offset?: number }) {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await db
    .select({
      environment: binhostPublications.environment,
      arch: binhostPublications.arch,
      profile: binhostPublications.profile,
      cpv: binhostPackages.cpv,
      slot: binhostPackages.slot,
      buildId: binhostPackages.buildId,
      path: binhostPackages.path,
      size: binhostPackages.size,
      publishedAt: binhostPublications.createdAt,
    })
    .from(binhostPackages)
    .innerJoin(binhostPublications, eq(binhostPublications.id, binhostPackages.publicationId))
    .where(and(isNull(binhostPublications.supersededAt), ilike(binhostPackages.cpv, pattern)))
    .orderBy(asc(binhostPackages.cpv), asc(binhostPublications.environment), asc(binhostPublications.arch), asc(binhostPublications.profile))
    .limit(opts.limit + 1)
    .offset(opts.offset ?? 0);
  return { items: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit };
}

/**
 * Retention: keeps the live and the `keep - 1` newest other publications of every target and
 * every tagged one, removes older ones, then deletes package files no kept publication links.
 * Each removal re-checks under the target's lock, so a rollback or a tag racing it wins or
 * sees `removedAt`.
 */
export async function pruneBinhost(db: Db, keep: number, graceMs = 60 * 60 * 1000) {
  if (keep < 1) throw new Error("keep at least one publication");
  const rows = await db.select().from(binhostPublications).where(isNull(binhostPublications.removedAt)).orderBy(desc(binhostPublications.number));
  const counts = new Map<string, number>();
  const removed: string[] = [];
  for (const r of rows) {
    const key = `${r.environment}/${r.arch}/${r.profile}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (n <= keep || r.supersededAt === null) continue;
    const gone = await db.transaction(async (tx) => {
      await lockTarget(tx, r);
      const [row] = await tx
        .update(binhostPublications)
        .set({ removedAt: new Date() })
        .where(
          and(
            eq(binhostPublications.id, r.id),
            isNull(binhostPublications.removedAt),
            sql`${binhostPublications.supersededAt} is not null`,
            sql`not exists (select 1 from ${binhostTags} where ${binhostTags.publicationId} = ${binhostPublications.id})`,
          ),
        )
        .returning({ id: binhostPublications.id });
      if (row) await tx.delete(binhostPackages).where(eq(binhostPackages.publicationId, r.id));
      return !!row;
    });
    if (!gone) continue;
    await rm(path.join(publicationsDir(r), r.dir), { recursive: true, force: true });
    removed.push(`${key}@${r.dir}`);
  }
  let freedBytes = 0;
  let freedFiles = 0;
  const storeRoot = path.join(binhostRoot(), ".store");
  for (const sub of fs.existsSync(storeRoot) ? fs.readdirSync(storeRoot) : []) {
    for (const name of fs.readdirSync(path.join(storeRoot, sub))) {
      const file = path.join(storeRoot, sub, name);
      const st = fs.statSync(file);
      // Recently stored files may belong to a publication still being written.
      if (st.nlink > 1 || st.ctimeMs > Date.now() - graceMs) continue;
      fs.rmSync(file);
      freedBytes += st.size;
      freedFiles++;
    }
  }
  return { removed, freedBytes, freedFiles };
}

/** The scheduled cleanup: its result (what was removed, space freed) is the job's output. */
export async function binhostPruneJob(db: Db) {
  const keep = getConfig().binhost.keep;
  const r = await pruneBinhost(db, keep);
  if (r.removed.length || r.freedFiles)
    console.log(`binhost retention (keep ${keep}): ${r.removed.length} publications removed, ${r.freedFiles} files, ${r.freedBytes} bytes freed`);
  return { keep, ...r };
}
