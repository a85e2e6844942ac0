import fs from "node:fs";
import path from "node:path";
import { and, asc, desc, eq, gte, inArray, isNull, like, lte, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { binhostPackages, binhostPublications, binhostTags, buildArtifacts, buildJobs } from "@/db/schema";
import { InputError, NotFoundError, StateError } from "@/server/errors";
import {
  checkTarget,
  diffPublications,
  lockTarget,
  ofTarget,
  publicationChanges,
  publicationsDir,
  restampIndex,
  syncLiveLink,
  type PackageChange,
  type Target,
} from "./binhost";

/**
 * Published builds, as Gentoo Build Publisher users know them: every publication of a
 * target (environment × arch × profile) is build N, with its notes, the farm job that built
 * it (logs, the /var/db/pkg tarball, the pinned tree and overlay commits), tags that name
 * one build each (served at …/<profile>@<tag>/), comparisons, a bisect helper and rollback.
 * Which build is live stays the binhost's rule: the one publication without `supersededAt`.
 */

export const tagPattern = /^[a-z][a-z0-9._-]{0,31}$/;

export class BuildRemovedError extends StateError {}

type Publication = typeof binhostPublications.$inferSelect;

const removedReason = (p: Publication) =>
  `Build ${p.number} of ${p.profile} (${p.environment}/${p.arch}) can no longer be served: retention deleted its files on ${p.removedAt!.toISOString().slice(0, 16).replace("T", " ")} UTC`;

async function publicationOf(db: DbOrTx, t: Target, number: number): Promise<Publication> {
  checkTarget(t);
  const [pub] = await db
    .select()
    .from(binhostPublications)
    .where(and(ofTarget(t), eq(binhostPublications.number, number)))
    .limit(1);
  if (!pub) throw new NotFoundError(`${t.profile} (${t.environment}/${t.arch}) has no build ${number}`);
  return pub;
}

const jobEnv = (key: "ROOKERY_TREE_COMMIT" | "ROOKERY_OVERLAY_COMMIT") => sql<string | null>`${buildJobs.env}->>${sql.raw(`'${key}'`)}`;

/** The farm jobs behind some publications: pipeline, pinned commits and the /var/db/pkg tarball. */
async function jobsOf(db: DbOrTx, jobIds: string[]) {
  if (!jobIds.length) return new Map<string, { pipelineId: string; treeCommit: string | null; overlayCommit: string | null; vdbArtifactId: string | null }>();
  const jobs = await db
    .select({
      id: buildJobs.id,
      pipelineId: buildJobs.pipelineId,
      attempt: buildJobs.attempt,
      treeCommit: jobEnv("ROOKERY_TREE_COMMIT"),
      overlayCommit: jobEnv("ROOKERY_OVERLAY_COMMIT"),
    })
    .from(buildJobs)
    .where(inArray(buildJobs.id, jobIds));
  const vdbs = await db
    .select({ id: buildArtifacts.id, jobId: buildArtifacts.jobId, attempt: buildArtifacts.attempt })
    .from(buildArtifacts)
    .where(and(inArray(buildArtifacts.jobId, jobIds), like(buildArtifacts.name, "%/vdb.tar.gz")));
  return new Map(
    jobs.map((j) => [
      j.id,
      {
        pipelineId: j.pipelineId,
        treeCommit: j.treeCommit,
        overlayCommit: j.overlayCommit,
        vdbArtifactId: vdbs.find((v) => v.jobId === j.id && v.attempt === j.attempt)?.id ?? null,
      },
    ]),
  );
}

async function tagsOf(db: DbOrTx, t: Target) {
  return db
    .select({ name: binhostTags.name, publicationId: binhostTags.publicationId, updatedAt: binhostTags.updatedAt })
    .from(binhostTags)
    .where(and(eq(binhostTags.environment, t.environment), eq(binhostTags.arch, t.arch), eq(binhostTags.profile, t.profile)))
    .orderBy(asc(binhostTags.name));
}

const summary = (p: Publication) => ({
  id: p.id,
  number: p.number,
  createdAt: p.createdAt,
  packageCount: p.packageCount,
  bytes: p.bytes,
  inherited: p.inherited,
  signingKey: p.signingKey,
  live: p.supersededAt === null,
  removedAt: p.removedAt,
  jobId: p.jobId,
});

const countKinds = (changes: PackageChange[]) => {
  const out = { added: 0, removed: 0, upgraded: 0, downgraded: 0, rebuilt: 0 };
  for (const c of changes) out[c.kind]++;
  return out;
};

/** The numbered builds of a target, newest first, each with its tags, job and what changed from the build before it. */
export async function listBuilds(db: DbOrTx, t: Target, limit = 50) {
  checkTarget(t);
  const pubs = await db.select().from(binhostPublications).where(ofTarget(t)).orderBy(desc(binhostPublications.number)).limit(limit);
  const tags = await tagsOf(db, t);
  const jobs = await jobsOf(
    db,
    pubs.flatMap((p) => (p.jobId ? [p.jobId] : [])),
  );
  const out = [];
  for (const [i, p] of pubs.entries()) {
    // the next older build retention still keeps (rows of removed ones are gone)
    const prev = pubs.slice(i + 1).find((q) => !q.removedAt);
    const changes = !p.removedAt && prev ? countKinds(await diffPublications(db, prev.id, p.id)) : null;
    out.push({
      ...summary(p),
      notes: p.notes,
      tags: tags.filter((x) => x.publicationId === p.id).map((x) => x.name),
      job: p.jobId ? (jobs.get(p.jobId) ?? null) : null,
      previousNumber: changes ? prev!.number : null,
      changes,
    });
  }
  return { builds: out, tags: tags.map((x) => ({ name: x.name, number: pubs.find((p) => p.id === x.publicationId)?.number ?? null })) };
}

/** One build: its notes, tags, job, package list and what changed from the build before it. */
export async function getBuild(db: DbOrTx, t: Target, number: number) {
  const pub = await publicationOf(db, t, number);
  const tags = (await tagsOf(db, t)).filter((x) => x.publicationId === pub.id).map((x) => x.name);
  const job = pub.jobId ? ((await jobsOf(db, [pub.jobId])).get(pub.jobId) ?? null) : null;
  const packages = await db
    .select({ cpv: binhostPackages.cpv, slot: binhostPackages.slot, buildId: binhostPackages.buildId, path: binhostPackages.path, size: binhostPackages.size })
    .from(binhostPackages)
    .where(eq(binhostPackages.publicationId, pub.id))
    .orderBy(asc(binhostPackages.cpv), asc(binhostPackages.buildId));
  const { previous, changes } = pub.removedAt ? { previous: null, changes: [] } : await publicationChanges(db, pub.id);
  const [live] = await db
    .select({ number: binhostPublications.number })
    .from(binhostPublications)
    .where(and(ofTarget(t), isNull(binhostPublications.supersededAt)))
    .limit(1);
  return { ...summary(pub), notes: pub.notes, tags, job, packages, previousNumber: previous?.number ?? null, changes, liveNumber: live?.number ?? null };
}

/** What changed from build `from` to build `to` (any two builds of the target, either order). */
export async function compareBuilds(db: DbOrTx, t: Target, from: number, to: number) {
  const a = await publicationOf(db, t, from);
  const b = await publicationOf(db, t, to);
  for (const p of [a, b]) if (p.removedAt) throw new BuildRemovedError(`${removedReason(p)}, and its package list with them`);
  return { from: summary(a), to: summary(b), changes: await diffPublications(db, a.id, b.id) };
}

/**
 * Between a good and a bad build: every kept build from one to the other in order, and the
 * package changes each step brought, so the step where the breakage came in can be read off.
 * Builds retention removed are skipped (named in `skipped`); their changes show in the next step.
 */
export async function bisectBuilds(db: DbOrTx, t: Target, good: number, bad: number) {
  if (good === bad) throw new InputError("bad", "The good and the bad build are the same build");
  const g = await publicationOf(db, t, good);
  const b = await publicationOf(db, t, bad);
  for (const p of [g, b]) if (p.removedAt) throw new BuildRemovedError(`${removedReason(p)}, and its package list with them`);
  const [lo, hi] = good < bad ? [good, bad] : [bad, good];
  const between = await db
    .select()
    .from(binhostPublications)
    .where(and(ofTarget(t), gte(binhostPublications.number, lo), lte(binhostPublications.number, hi)))
    .orderBy(asc(binhostPublications.number));
  if (good > bad) between.reverse();
  const kept = between.filter((p) => !p.removedAt);
  const steps = [];
  for (let i = 1; i < kept.length; i++) {
    const changes = await diffPublications(db, kept[i - 1].id, kept[i].id);
    steps.push({ from: summary(kept[i - 1]), to: summary(kept[i]), changes });
  }
  return {
    good: summary(g),
    bad: summary(b),
    steps,
    skipped: between.filter((p) => p.removedAt).map((p) => p.number),
    total: await diffPublications(db, g.id, b.id),
  };
}

export async function setBuildNotes(db: DbOrTx, t: Target, number: number, notes: string) {
  if (notes.length > 20_000) throw new InputError("notes", "Notes are limited to 20,000 characters");
  const pub = await publicationOf(db, t, number);
  await db.update(binhostPublications).set({ notes }).where(eq(binhostPublications.id, pub.id));
  return { id: pub.id, number: pub.number };
}

/** Tags build `number` as `name`, moving the tag when another build had it. A build retention removed cannot be tagged. */
export async function tagBuild(db: Db, t: Target, number: number, name: string, userId: string | null) {
  if (!tagPattern.test(name)) throw new InputError("name", "A tag is a lowercase letter, then up to 31 lowercase letters, digits, '.', '_' or '-'");
  return db.transaction(async (tx) => {
    await lockTarget(tx, t);
    const pub = await publicationOf(tx, t, number);
    if (pub.removedAt) throw new BuildRemovedError(removedReason(pub));
    const [previous] = await tx
      .select({ number: binhostPublications.number })
      .from(binhostTags)
      .innerJoin(binhostPublications, eq(binhostPublications.id, binhostTags.publicationId))
      .where(and(eq(binhostTags.environment, t.environment), eq(binhostTags.arch, t.arch), eq(binhostTags.profile, t.profile), eq(binhostTags.name, name)));
    const [tag] = await tx
      .insert(binhostTags)
      .values({ ...pick(t), name, publicationId: pub.id, createdBy: userId })
      .onConflictDoUpdate({
        target: [binhostTags.environment, binhostTags.arch, binhostTags.profile, binhostTags.name],
        set: { publicationId: pub.id, createdBy: userId, updatedAt: new Date() },
      })
      .returning();
    return { tag, number: pub.number, movedFrom: previous && previous.number !== pub.number ? previous.number : null };
  });
}

const pick = (t: Target) => ({ environment: t.environment, arch: t.arch, profile: t.profile });

export async function untagBuild(db: DbOrTx, t: Target, name: string) {
  checkTarget(t);
  const [row] = await db
    .delete(binhostTags)
    .where(and(eq(binhostTags.environment, t.environment), eq(binhostTags.arch, t.arch), eq(binhostTags.profile, t.profile), eq(binhostTags.name, name)))
    .returning();
  if (!row) throw new NotFoundError(`${t.profile} (${t.environment}/${t.arch}) has no tag ${name}`);
  return row;
}

/** The directory of a tagged build, for serving …/<profile>@<tag>/, or null. */
export async function taggedPublication(db: DbOrTx, t: Target, tag: string) {
  if (!tagPattern.test(tag)) return null;
  const [row] = await db
    .select({ pub: binhostPublications })
    .from(binhostTags)
    .innerJoin(binhostPublications, eq(binhostPublications.id, binhostTags.publicationId))
    .where(and(eq(binhostTags.environment, t.environment), eq(binhostTags.arch, t.arch), eq(binhostTags.profile, t.profile), eq(binhostTags.name, tag)))
    .limit(1);
  if (!row || row.pub.removedAt) return null;
  const dir = path.join(publicationsDir(t), row.pub.dir);
  return fs.existsSync(dir) ? { publication: row.pub, dir } : null;
}

/** What a rollback to build `number` would do: the build, the live one and the package changes going back. */
export async function rollbackPreview(db: DbOrTx, t: Target, number: number) {
  const pub = await publicationOf(db, t, number);
  const [live] = await db
    .select()
    .from(binhostPublications)
    .where(and(ofTarget(t), isNull(binhostPublications.supersededAt)))
    .limit(1);
  const refusal =
    pub.removedAt ? removedReason(pub)
    : live?.id === pub.id ? `Build ${pub.number} is already live`
    : null;
  return {
    build: summary(pub),
    live: live ? summary(live) : null,
    refusal,
    changes: !refusal && live ? await diffPublications(db, live.id, pub.id) : [],
  };
}

/**
 * Makes build `number` the live one again: in one transaction under the target's lock the
 * live build is superseded and this one is not any more, then the live link is swapped to its
 * directory (a crash in between is finished by reconcileBinhost). Refused when retention
 * removed its files or it is live already. The next publish gets the next number and is live.
 */
export async function rollbackTo(db: Db, t: Target, number: number) {
  const result = await db.transaction(async (tx) => {
    await lockTarget(tx, t);
    const pub = await publicationOf(tx, t, number);
    if (pub.removedAt) throw new BuildRemovedError(removedReason(pub));
    if (pub.supersededAt === null) throw new StateError(`Build ${pub.number} is already live`);
    if (!fs.existsSync(path.join(publicationsDir(t), pub.dir)))
      throw new BuildRemovedError(`Build ${pub.number}'s files are missing from the binhost directory`);
    const [live] = await tx
      .update(binhostPublications)
      .set({ supersededAt: new Date() })
      .where(and(ofTarget(t), isNull(binhostPublications.supersededAt)))
      .returning({ id: binhostPublications.id, number: binhostPublications.number, dir: binhostPublications.dir });
    await restampIndex(t, pub.dir, live?.dir);
    await tx.update(binhostPublications).set({ supersededAt: null }).where(eq(binhostPublications.id, pub.id));
    return { id: pub.id, number: pub.number, previousLive: live?.number ?? null };
  });
  await syncLiveLink(db, t);
  return result;
}

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An Atom feed (RFC 4287) of a target's newest builds: number, date, package changes and notes. */
export async function buildsFeed(db: DbOrTx, t: Target, publicUrl: string, limit = 30) {
  const { builds } = await listBuilds(db, t, limit);
  const feedUrl = `${publicUrl}/packages/${t.environment}/gentoo/${t.arch}/${t.profile}/builds.atom`;
  const page = `${publicUrl}/farm/builds/${t.environment}/${t.arch}/${t.profile}/published`;
  const updated = (builds[0]?.createdAt ?? new Date(0)).toISOString();
  const entries = [];
  for (const b of builds) {
    const changes = b.removedAt || b.previousNumber === null ? [] : (await compareBuilds(db, t, b.previousNumber, b.number)).changes;
    const lines = [
      `${b.packageCount} packages${b.live ? " (live)" : ""}${b.tags.length ? `, tagged ${b.tags.join(", ")}` : ""}${b.removedAt ? ", removed by retention" : ""}.`,
      ...(b.previousNumber !== null ? [changes.length ? `Changes since build ${b.previousNumber}:` : `Same packages as build ${b.previousNumber}.`] : []),
      ...changes.map((c) => `${c.kind} ${c.package} ${c.from && c.to && c.from !== c.to ? `${c.from} → ${c.to}` : (c.to ?? c.from)}`),
      ...(b.notes ? ["", b.notes] : []),
    ];
    entries.push(
      [
        "  <entry>",
        `    <id>urn:uuid:${b.id}</id>`,
        `    <title>${xml(`Build ${b.number} of ${t.profile} (${t.environment}/${t.arch})`)}</title>`,
        `    <updated>${b.createdAt.toISOString()}</updated>`,
        `    <link rel="alternate" type="text/html" href="${xml(`${page}/${b.number}`)}"/>`,
        `    <content type="text">${xml(lines.join("\n"))}</content>`,
        "  </entry>",
      ].join("\n"),
    );
  }
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xml(feedUrl)}</id>`,
    `  <title>${xml(`Builds of ${t.profile} (${t.environment}/${t.arch})`)}</title>`,
    `  <updated>${updated}</updated>`,
    "  <author><name>Rookery build farm</name></author>",
    `  <link rel="self" type="application/atom+xml" href="${xml(feedUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xml(page)}"/>`,
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}
