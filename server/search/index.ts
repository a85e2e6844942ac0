import { and, asc, count, desc, eq, ilike, inArray, isNotNull, or, sql, type Column } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { containsPattern } from "@/db/like";
import { buildJobs, certificates, memberships, mergeRequests, organizations, pipelines, repositories } from "@/db/schema";
import { maySeeCertificate } from "@/server/auth/policies/certificate";
import { visibleOrgIds } from "@/server/auth/policies/pipeline";
import { can, type Actor, type OrgAction, type OrgScope } from "@/server/auth/policy";
import { grepCommit, type GrepHit } from "@/server/git/plumbing/grep";
import { repoExists } from "@/server/git/materialize";
import { repoDir } from "@/server/git/paths";
import { mrPath } from "@/server/mergerequests";
import { listOrgsForUser } from "@/server/orgs";
import { listUsers } from "@/server/users";

/**
 * Organizations matching `q` by name, slug or description. `all` (admins) searches
 * every org; otherwise only `userId`'s memberships. Rows carry that user's role, if any.
 */
export async function searchOrgs(db: DbOrTx, opts: { q: string; userId: string; all: boolean; limit: number }) {
  const pattern = containsPattern(opts.q);
  const counts = db
    .select({ orgId: memberships.orgId, n: count().as("n") })
    .from(memberships)
    .groupBy(memberships.orgId)
    .as("counts");
  const mine = db.select({ orgId: memberships.orgId, role: memberships.role }).from(memberships).where(eq(memberships.userId, opts.userId)).as("mine");
  const base = db
    .select({
      id: organizations.id,
      slug: organizations.slug,
      name: organizations.name,
      description: organizations.description,
      source: organizations.source,
      archivedAt: organizations.archivedAt,
      role: mine.role,
      memberCount: sql<number>`coalesce(${counts.n}, 0)::int`,
    })
    .from(organizations);
  const joined = opts.all ? base.leftJoin(mine, eq(mine.orgId, organizations.id)) : base.innerJoin(mine, eq(mine.orgId, organizations.id));
  return joined
    .leftJoin(counts, eq(counts.orgId, organizations.id))
    .where(or(ilike(organizations.name, pattern), ilike(organizations.slug, pattern), ilike(organizations.description, pattern)))
    .orderBy(sql`${organizations.archivedAt} is not null`, asc(organizations.name))
    .limit(opts.limit);
}

/**
 * Users matching `q` by username, name or email (for admins): the first page of the admin
 * user list's search, without the last-login column.
 */
export async function searchUsers(db: DbOrTx, opts: { q: string; limit: number }) {
  const { items } = await listUsers(db, { query: opts.q, limit: opts.limit });
  return items.map(({ lastLoginAt: _lastLoginAt, ...user }) => user);
}

/** The orgs whose repositories `userId` may read: every org for admins (`all`), else their memberships. */
function readableOrg(opts: { userId: string; all: boolean }) {
  return opts.all ? sql`true` : sql`${repositories.orgId} in (select ${memberships.orgId} from ${memberships} where ${memberships.userId} = ${opts.userId})`;
}

/** Repositories matching `q` by name or description, in the orgs the user may read. */
export async function searchRepos(db: DbOrTx, opts: { q: string; userId: string; all: boolean; limit: number }) {
  const pattern = containsPattern(opts.q);
  return db
    .select({ id: repositories.id, name: repositories.name, description: repositories.description, kind: repositories.kind, orgSlug: organizations.slug })
    .from(repositories)
    .innerJoin(organizations, eq(organizations.id, repositories.orgId))
    .where(and(readableOrg(opts), or(ilike(repositories.name, pattern), ilike(repositories.description, pattern))))
    .orderBy(asc(organizations.slug), asc(repositories.name))
    .limit(opts.limit);
}

/** Merge requests matching `q` by title (or `!number`), in the orgs the user may read, newest first. */
export async function searchMergeRequests(db: DbOrTx, opts: { q: string; userId: string; all: boolean; limit: number }) {
  const number = /^!?(\d{1,9})$/.exec(opts.q)?.[1];
  const rows = await db
    .select({
      id: mergeRequests.id,
      number: mergeRequests.number,
      title: mergeRequests.title,
      state: mergeRequests.state,
      repo: repositories.name,
      orgSlug: organizations.slug,
    })
    .from(mergeRequests)
    .innerJoin(repositories, eq(repositories.id, mergeRequests.repoId))
    .innerJoin(organizations, eq(organizations.id, repositories.orgId))
    .where(
      and(
        readableOrg(opts),
        number ?
          or(eq(mergeRequests.number, Number(number)), ilike(mergeRequests.title, containsPattern(opts.q)))
        : ilike(mergeRequests.title, containsPattern(opts.q)),
      ),
    )
    .orderBy(desc(mergeRequests.createdAt))
    .limit(opts.limit);
  return rows.map((r) => ({ ...r, href: mrPath({ orgSlug: r.orgSlug, name: r.repo }, r.number) }));
}

/** The actor's org memberships as policy scopes, keeping those where the policy allows `action`. */
async function orgsAllowing(db: DbOrTx, actor: Actor, action: OrgAction): Promise<string[]> {
  if (actor.kind !== "user") return [];
  const orgs = await listOrgsForUser(db, actor.id);
  return orgs.filter((o) => can(actor, action, scopeOf(o))).map((o) => o.id);
}

const scopeOf = (o: { id: string; archivedAt: Date | null; role: OrgScope["role"] | null }): OrgScope => ({
  id: o.id,
  archived: o.archivedAt !== null,
  role: o.role ?? null,
});

/** The actor's role in the row's org, for the policy's per-row check. */
const roleIn = (actor: Actor, orgId: Column) =>
  sql<
    OrgScope["role"]
  >`(select ${memberships.role} from ${memberships} where ${memberships.orgId} = ${orgId} and ${memberships.userId} = ${actor.kind === "user" ? actor.id : null})`;

/** Bounds of code search: repositories searched, hits per file and in all, time per repository and in all. */
export const codeSearchLimits = { repos: 20, perFile: 3, results: 50, timeoutMs: 5000, totalMs: 15_000 };

export type CodeHit = GrepHit & { orgSlug: string; repo: string; ref: string; ranges: [number, number][] };

/**
 * Lines containing `q` (fixed string, case-insensitive) on the default branch of the
 * repositories the actor may read (`repo:read`), most recently pushed first, within
 * codeSearchLimits. `complete` is false when a limit cut the search short.
 */
export async function searchCode(db: DbOrTx, actor: Actor, q: string): Promise<{ hits: CodeHit[]; complete: boolean }> {
  if (actor.kind !== "user") return { hits: [], complete: true };
  const all = can(actor, "orgs:list-all");
  const orgIds = all ? [] : await orgsAllowing(db, actor, "repo:read");
  if (!all && !orgIds.length) return { hits: [], complete: true };
  const repos = await db
    .select({
      orgId: repositories.orgId,
      orgSlug: organizations.slug,
      archivedAt: organizations.archivedAt,
      name: repositories.name,
      defaultBranch: repositories.defaultBranch,
      role: roleIn(actor, repositories.orgId),
    })
    .from(repositories)
    .innerJoin(organizations, eq(organizations.id, repositories.orgId))
    .where(all ? undefined : inArray(repositories.orgId, orgIds))
    .orderBy(sql`${repositories.pushedAt} desc nulls last`, asc(repositories.name))
    .limit(codeSearchLimits.repos + 1);
  const hits: CodeHit[] = [];
  let complete = repos.length <= codeSearchLimits.repos;
  const deadline = Date.now() + codeSearchLimits.totalMs;
  for (const r of repos.slice(0, codeSearchLimits.repos)) {
    if (!can(actor, "repo:read", scopeOf({ id: r.orgId, archivedAt: r.archivedAt, role: r.role }))) continue;
    const left = codeSearchLimits.results - hits.length;
    const time = Math.min(codeSearchLimits.timeoutMs, deadline - Date.now());
    if (left <= 0 || time <= 0) {
      complete = false;
      break;
    }
    const dir = repoDir(r.orgSlug, r.name);
    if (!repoExists(dir)) continue;
    const found = await grepCommit(dir, `refs/heads/${r.defaultBranch}`, q, {
      perFile: codeSearchLimits.perFile,
      limit: left + 1,
      timeoutMs: time,
    });
    if (!found.complete || found.hits.length > left) complete = false;
    for (const h of found.hits.slice(0, left)) hits.push({ ...h, ...excerpt(h.text, q), orgSlug: r.orgSlug, repo: r.name, ref: r.defaultBranch });
  }
  return { hits, complete };
}

const EXCERPT = 240;

/** The line (around its first match when long) and where `q` occurs in it, case-insensitively. */
export function excerpt(line: string, q: string): { text: string; ranges: [number, number][] } {
  const re = new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "giu");
  let text = line.replace(/\s+$/, "");
  const first = text.search(re);
  if (text.length > EXCERPT) {
    const start = Math.max(0, Math.min(first - 60, text.length - EXCERPT));
    text = (start > 0 ? "…" : "") + text.slice(start, start + EXCERPT) + (start + EXCERPT < text.length ? "…" : "");
  }
  const ranges: [number, number][] = [];
  for (const m of text.matchAll(re)) if (m[0].length) ranges.push([m.index, m.index + m[0].length]);
  return { text, ranges };
}

/**
 * Certificates matching `q` by common name, SAN or serial that the actor may see: their own
 * requests in orgs where they may read certificates, and all of the orgs whose certificates
 * they manage (admins: every org's), newest first.
 */
export async function searchCertificates(db: DbOrTx, actor: Actor, opts: { q: string; limit: number }) {
  if (actor.kind !== "user") return [];
  const all = can(actor, "orgs:list-all");
  const [manage, read] = all ? [[], []] : await Promise.all([orgsAllowing(db, actor, "org:certs:manage"), orgsAllowing(db, actor, "org:certs:read")]);
  const visible =
    all ?
      isNotNull(certificates.orgId)
    : or(
        manage.length ? inArray(certificates.orgId, manage) : sql`false`,
        read.length ? and(inArray(certificates.orgId, read), eq(certificates.requestedBy, actor.id)) : sql`false`,
      );
  const pattern = containsPattern(opts.q);
  // serials are stored as bare hex: "7a:3f:00" finds them too
  const serial = opts.q.replace(/:/g, "");
  const rows = await db
    .select({
      id: certificates.id,
      orgId: certificates.orgId,
      orgSlug: organizations.slug,
      archivedAt: organizations.archivedAt,
      role: roleIn(actor, certificates.orgId),
      requestedBy: certificates.requestedBy,
      commonName: certificates.commonName,
      sans: certificates.sans,
      serial: certificates.serial,
      state: certificates.state,
      notAfter: certificates.notAfter,
    })
    .from(certificates)
    .innerJoin(organizations, eq(organizations.id, certificates.orgId))
    .where(
      and(
        visible,
        or(
          ilike(certificates.commonName, pattern),
          serial.length >= 2 ? ilike(certificates.serial, containsPattern(serial)) : sql`false`,
          sql`exists (select 1 from jsonb_array_elements(${certificates.sans}) san where san->>'value' ilike ${pattern})`,
        ),
      ),
    )
    .orderBy(desc(certificates.createdAt))
    .limit(opts.limit);
  return rows
    .filter((r) => maySeeCertificate(actor, scopeOf({ id: r.orgId!, archivedAt: r.archivedAt, role: r.role }), r))
    .map(({ orgId: _o, archivedAt: _a, role: _r, requestedBy: _b, ...cert }) => ({ ...cert, href: `/orgs/${cert.orgSlug}/certificates/${cert.id}` }));
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Pipelines the actor may read matching `q`: by number (#12) or id, by ref or name, or by a
 * commit (a hex prefix of at least 7 characters of a `*_COMMIT` or `*_SHA` variable of
 * one of its jobs, e.g. the build farm's ROOKERY_TREE_COMMIT), newest first.
 */
export async function searchPipelines(db: DbOrTx, actor: Actor, opts: { q: string; limit: number }) {
  const orgIds = await visibleOrgIds(db, actor);
  const number = /^#?(\d{1,9})$/.exec(opts.q)?.[1];
  const sha = /^[0-9a-f]{7,40}$/i.test(opts.q) ? opts.q.toLowerCase() : null;
  const pattern = containsPattern(opts.q);
  const matches = [ilike(pipelines.ref, pattern), ilike(pipelines.name, pattern)];
  if (number) matches.push(eq(pipelines.number, Number(number)));
  if (uuidPattern.test(opts.q)) matches.push(eq(pipelines.id, opts.q.toLowerCase()));
  if (sha)
    matches.push(
      sql`exists (select 1 from ${buildJobs}, jsonb_each_text(${buildJobs.env}) e where ${buildJobs.pipelineId} = ${pipelines.id} and (e.key like '%\\_COMMIT' or e.key like '%\\_SHA') and lower(e.value) like ${sha + "%"})`,
    );
  const rows = await db
    .select({
      id: pipelines.id,
      number: pipelines.number,
      name: pipelines.name,
      ref: pipelines.ref,
      status: pipelines.status,
      createdAt: pipelines.createdAt,
      orgId: pipelines.orgId,
      orgSlug: organizations.slug,
      archivedAt: organizations.archivedAt,
      role: roleIn(actor, pipelines.orgId),
    })
    .from(pipelines)
    .leftJoin(organizations, eq(organizations.id, pipelines.orgId))
    .where(
      and(
        orgIds ?
          orgIds.length ?
            inArray(pipelines.orgId, orgIds)
          : sql`false`
        : undefined,
        or(...matches),
      ),
    )
    .orderBy(desc(pipelines.createdAt))
    .limit(opts.limit);
  return rows
    .filter((r) =>
      r.orgId ? can(actor, "org:builds:read", scopeOf({ id: r.orgId, archivedAt: r.archivedAt, role: r.role })) : can(actor, "pipelines:read-all"),
    )
    .map(({ orgId: _o, archivedAt: _a, role: _r, ...p }) => ({ ...p, href: `/pipelines/${p.id}` }));
}
