import { asc, count, desc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { binhostPackages, farmEnvironments, glsaAdvisories, glsaMatches, glsaScans } from "@/db/schema";
import { infrastructureRepo } from "@/server/git/infrastructure";
import { branchHead } from "@/server/git/plumbing/merge";
import { readTextTree } from "@/server/git/plumbing/read";
import { PORTAGE_TREE_REPO } from "@/server/git/repos";
import { queues, sendJob } from "@/server/jobs";
import { notify } from "@/server/notify";
import type { User } from "@/server/users";
import { listLive, type LivePublication } from "./binhost";
import { archApplies, fixedBy, GlsaFormatError, isAffected, parseGlsa, type Glsa } from "./glsa";
import { splitCpv } from "./packages-index";

/**
 * The GLSA watch: every environment's tree branch (infrastructure/gentoo, `metadata/glsa`)
 * against the packages of its live binhost publications. New matches notify the
 * administrators; a match is resolved once the binhost's newest publication no longer has
 * the vulnerable version (or the advisory no longer affects it). A file that cannot be read
 * is recorded as a scan error and skipped.
 */

export const GLSA_DIR = "metadata/glsa";
export type ScanError = { environment: string; branch: string; file: string | null; message: string };
export type PublishedPackage = { cpv: string; slot: string };
export type Match = { glsa: Glsa; publication: LivePublication; cpv: string; slot: string; fixedBy: string | null };

/** Reads and parses the advisories of a tree commit; unreadable files become errors. */
export function parseGlsaFiles(files: { path: string; text: string }[]): { glsas: Glsa[]; errors: { file: string; message: string }[] } {
  const glsas: Glsa[] = [];
  const errors: { file: string; message: string }[] = [];
  for (const f of files) {
    const name = f.path.split("/").at(-1)!;
    if (!/^glsa-.*\.xml$/.test(name)) continue;
    try {
      glsas.push(parseGlsa(f.text, name));
    } catch (e) {
      if (!(e instanceof GlsaFormatError)) throw e;
      errors.push({ file: f.path, message: e.message });
    }
  }
  return { glsas, errors };
}

/**
 * The matching itself, in memory: each advisory's packages against each publication's
 * packages of the same name (portage's glsa rules, see glsa.ts).
 */
export function matchPublications(glsas: Glsa[], publications: { publication: LivePublication; packages: PublishedPackage[] }[]): Match[] {
  const byName = new Map<string, { glsa: Glsa; pkg: Glsa["packages"][number] }[]>();
  for (const glsa of glsas)
    for (const pkg of glsa.packages) {
      const list = byName.get(pkg.name) ?? [];
      list.push({ glsa, pkg });
      byName.set(pkg.name, list);
    }
  const out: Match[] = [];
  for (const { publication, packages } of publications) {
    for (const p of packages) {
      const [cp, version] = splitCpv(p.cpv);
      const advisories = byName.get(cp);
      if (!advisories) continue;
      const candidate = { version, slot: p.slot };
      const seen = new Set<string>();
      for (const { glsa, pkg } of advisories) {
        if (seen.has(glsa.id) || !archApplies(pkg, publication.arch) || !isAffected(pkg, publication.arch, candidate)) continue;
        seen.add(glsa.id);
        out.push({ glsa, publication, cpv: p.cpv, slot: p.slot, fixedBy: fixedBy(pkg, candidate) });
      }
    }
  }
  return out;
}

const keyOf = (m: { glsaId: string; environment: string; arch: string; profile: string; cpv: string }) =>
  `${m.glsaId} ${m.environment} ${m.arch} ${m.profile} ${m.cpv}`;
const targetOf = (m: { environment: string; arch: string; profile: string }) => `${m.environment}/${m.arch}/${m.profile}`;

const KEEP_SCANS = 100;

export type ScanResult = { scanId: string; advisories: number; publications: number; open: number; newMatches: number; resolved: number; errors: ScanError[] };

/** One scan of every environment (the `farm-glsa-scan` job). */
export async function scanGlsa(db: Db, input: { trigger: string }): Promise<ScanResult> {
  const startedAt = new Date();
  const errors: ScanError[] = [];
  const live = await listLive(db);
  const envs = await db
    .select({ name: farmEnvironments.name, branch: farmEnvironments.portageBranch })
    .from(farmEnvironments)
    .orderBy(asc(farmEnvironments.name));
  const tree = await infrastructureRepo(db, PORTAGE_TREE_REPO);

  // Each branch is read once, however many environments build against it.
  const byBranch = new Map<string, { glsas: Glsa[]; readable: Set<string>; errors: { file: string; message: string }[] } | null>();
  const advisories = new Map<string, Glsa>();
  const glsasOfEnv = new Map<string, { glsas: Glsa[]; readable: Set<string> }>();
  for (const env of envs) {
    if (!byBranch.has(env.branch)) {
      const commit = tree ? await branchHead(tree.dir, env.branch) : null;
      const parsed = commit ? parseGlsaFiles(await readTextTree(tree!.dir, commit, [GLSA_DIR], 1024 * 1024)) : null;
      byBranch.set(env.branch, parsed && { ...parsed, readable: new Set(parsed.glsas.map((g) => g.id)) });
    }
    const read = byBranch.get(env.branch);
    if (!read) {
      if (live.some((p) => p.environment === env.name))
        errors.push({ environment: env.name, branch: env.branch, file: null, message: `the portage tree has no branch ${env.branch} (not synced yet?)` });
      continue;
    }
    for (const e of read.errors) errors.push({ environment: env.name, branch: env.branch, ...e });
    glsasOfEnv.set(env.name, read);
    for (const g of read.glsas) advisories.set(g.id, g);
  }

  const scanned = live.filter((p) => glsasOfEnv.has(p.environment));
  const rows =
    scanned.length ?
      await db
        .select({ publicationId: binhostPackages.publicationId, cpv: binhostPackages.cpv, slot: binhostPackages.slot })
        .from(binhostPackages)
        .where(
          inArray(
            binhostPackages.publicationId,
            scanned.map((p) => p.id),
          ),
        )
    : [];
  const packagesOf = new Map<string, PublishedPackage[]>();
  for (const r of rows) {
    const list = packagesOf.get(r.publicationId) ?? [];
    list.push(r);
    packagesOf.set(r.publicationId, list);
  }
  const matches: Match[] = [];
  for (const [env, read] of glsasOfEnv)
    matches.push(
      ...matchPublications(
        read.glsas,
        scanned.filter((p) => p.environment === env).map((publication) => ({ publication, packages: packagesOf.get(publication.id) ?? [] })),
      ),
    );

  return db.transaction(async (tx) => {
    // one scan writes at a time (a queued one and "Scan now" may meet)
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('farm:glsa-scan'))`);
    const matched = [...new Map(matches.map((m) => [m.glsa.id, m.glsa])).values()];
    if (matched.length)
      await tx
        .insert(glsaAdvisories)
        .values(
          matched.map((g) => ({
            id: g.id,
            title: g.title,
            synopsis: g.synopsis,
            severity: g.severity,
            announced: g.announced,
            revised: g.revised,
            bugs: g.bugs,
          })),
        )
        .onConflictDoUpdate({
          target: glsaAdvisories.id,
          set: {
            title: sql`excluded.title`,
            synopsis: sql`excluded.synopsis`,
            severity: sql`excluded.severity`,
            announced: sql`excluded.announced`,
            revised: sql`excluded.revised`,
            bugs: sql`excluded.bugs`,
            updatedAt: sql`now()`,
          },
        });

    const open = await tx.select().from(glsaMatches).where(isNull(glsaMatches.resolvedAt));
    const openByKey = new Map(open.map((o) => [keyOf(o), o]));
    const current = new Map(matches.map((m) => [keyOf({ glsaId: m.glsa.id, ...m.publication, cpv: m.cpv }), m]));

    const fresh: Match[] = [];
    const stillOpen: string[] = [];
    for (const [key, m] of current) {
      const o = openByKey.get(key);
      if (o) {
        stillOpen.push(o.id);
        if (o.publicationId !== m.publication.id || o.fixedBy !== m.fixedBy)
          await tx
            .update(glsaMatches)
            .set({ publicationId: m.publication.id, fixedBy: m.fixedBy, lastSeenAt: sql`now()` })
            .where(eq(glsaMatches.id, o.id));
      } else fresh.push(m);
    }
    if (stillOpen.length)
      await tx
        .update(glsaMatches)
        .set({ lastSeenAt: sql`now()` })
        .where(inArray(glsaMatches.id, stillOpen));
    for (let i = 0; i < fresh.length; i += 1000) {
      // A match seen again after it was resolved (a downgrade) opens again, as new.
      await tx
        .insert(glsaMatches)
        .values(
          fresh.slice(i, i + 1000).map((m) => ({
            glsaId: m.glsa.id,
            environment: m.publication.environment,
            arch: m.publication.arch,
            profile: m.publication.profile,
            cpv: m.cpv,
            slot: m.slot,
            publicationId: m.publication.id,
            fixedBy: m.fixedBy,
          })),
        )
        .onConflictDoUpdate({
          target: [glsaMatches.glsaId, glsaMatches.environment, glsaMatches.arch, glsaMatches.profile, glsaMatches.cpv],
          set: {
            slot: sql`excluded.slot`,
            publicationId: sql`excluded.publication_id`,
            fixedBy: sql`excluded.fixed_by`,
            firstSeenAt: sql`now()`,
            lastSeenAt: sql`now()`,
            resolvedAt: null,
            resolvedByPublicationId: null,
          },
        });
    }

    // Resolved: the binhost's live publication no longer has the version, or the advisory
    // (read without error this time) no longer affects it. Binhosts without a live
    // publication, or whose tree branch is missing, stay as they were.
    const liveOf = new Map(scanned.map((p) => [targetOf(p), p]));
    const cpvsOf = new Map(scanned.map((p) => [p.id, new Set((packagesOf.get(p.id) ?? []).map((x) => x.cpv))]));
    let resolved = 0;
    for (const o of open) {
      if (current.has(keyOf(o))) continue;
      const pub = liveOf.get(targetOf(o));
      if (!pub) continue;
      const gone = !cpvsOf.get(pub.id)!.has(o.cpv);
      const noLongerAffected = glsasOfEnv.get(o.environment)!.readable.has(o.glsaId);
      if (!gone && !noLongerAffected) continue;
      await tx
        .update(glsaMatches)
        .set({ resolvedAt: sql`now()`, resolvedByPublicationId: pub.id })
        .where(eq(glsaMatches.id, o.id));
      resolved++;
    }

    for (const glsa of matched) {
      const mine = fresh.filter((m) => m.glsa.id === glsa.id);
      if (!mine.length) continue;
      const lines = mine.map((m) => `${targetOf(m.publication)}: ${m.cpv}${m.fixedBy ? ` → ${m.fixedBy}` : " (no fixed version yet)"}`);
      await notify(tx, {
        kind: "farm.glsa_affected",
        admins: true,
        title: `GLSA ${glsa.id} (${glsa.severity}) affects ${mine.length} published package${mine.length === 1 ? "" : "s"}: ${glsa.title}`,
        body: `${glsa.synopsis}\n\n${lines.join("\n")}`,
        link: "/admin/farm/security",
      });
    }

    const [openCount] = await tx.select({ n: count() }).from(glsaMatches).where(isNull(glsaMatches.resolvedAt));
    const [scan] = await tx
      .insert(glsaScans)
      .values({
        trigger: input.trigger,
        advisories: advisories.size,
        publications: scanned.length,
        open: openCount.n,
        newMatches: fresh.length,
        resolved,
        errors,
        startedAt,
      })
      .returning({ id: glsaScans.id });
    // the history of scans is for the page: the newest ones are enough
    await tx.execute(
      sql`delete from ${glsaScans} where ${glsaScans.id} not in (select ${glsaScans.id} from ${glsaScans} order by ${glsaScans.finishedAt} desc limit ${KEEP_SCANS})`,
    );
    return { scanId: scan.id, advisories: advisories.size, publications: scanned.length, open: openCount.n, newMatches: fresh.length, resolved, errors };
  });
}

/** After a publication, a tree sync, or "Scan now": one scan queued (at most one waits). */
export async function queueGlsaScan(trigger: "publication" | "tree-sync") {
  return sendJob(queues.glsaScan, { trigger }, { retryLimit: 1 });
}

export async function requestGlsaScan(user: User) {
  return sendJob(queues.glsaScan, { trigger: "manual", triggeredBy: user.id }, { retryLimit: 0 });
}

const SEVERITY_ORDER = sql`case ${glsaAdvisories.severity} when 'high' then 0 when 'normal' then 1 when 'low' then 2 else 3 end`;

/** A page of open (or resolved) matches with their advisory, most severe and newest first. */
export async function listGlsaMatches(db: DbOrTx, opts: { state: "open" | "resolved"; limit: number; offset: number }) {
  const rows = await db
    .select({
      id: glsaMatches.id,
      glsaId: glsaMatches.glsaId,
      title: glsaAdvisories.title,
      severity: glsaAdvisories.severity,
      bugs: glsaAdvisories.bugs,
      environment: glsaMatches.environment,
      arch: glsaMatches.arch,
      profile: glsaMatches.profile,
      cpv: glsaMatches.cpv,
      slot: glsaMatches.slot,
      fixedBy: glsaMatches.fixedBy,
      firstSeenAt: glsaMatches.firstSeenAt,
      resolvedAt: glsaMatches.resolvedAt,
    })
    .from(glsaMatches)
    .innerJoin(glsaAdvisories, eq(glsaAdvisories.id, glsaMatches.glsaId))
    .where(opts.state === "open" ? isNull(glsaMatches.resolvedAt) : isNotNull(glsaMatches.resolvedAt))
    .orderBy(
      ...(opts.state === "open" ? [SEVERITY_ORDER, desc(glsaMatches.firstSeenAt)] : [desc(glsaMatches.resolvedAt)]),
      asc(glsaMatches.glsaId),
      asc(glsaMatches.environment),
      asc(glsaMatches.arch),
      asc(glsaMatches.profile),
      asc(glsaMatches.cpv),
    )
    .limit(opts.limit + 1)
    .offset(opts.offset);
  const [total] = await db
    .select({ n: count() })
    .from(glsaMatches)
    .where(opts.state === "open" ? isNull(glsaMatches.resolvedAt) : isNotNull(glsaMatches.resolvedAt));
  return { items: rows.slice(0, opts.limit), hasMore: rows.length > opts.limit, total: total.n };
}

/** The newest scans (the page shows the last one's errors). */
export async function listGlsaScans(db: DbOrTx, limit = 5) {
  return db.select().from(glsaScans).orderBy(desc(glsaScans.finishedAt)).limit(limit);
}
