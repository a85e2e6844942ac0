import { and, eq, inArray, ne, or, sql } from "drizzle-orm";
import { getDb, type Db, type Tx } from "@/db/client";
import { ldapSyncRuns, memberships, organizations, users } from "@/db/schema";
import { recordAudit } from "@/server/audit";
import type { OrgRole } from "@/server/auth/policy";
import { getConfig } from "@/server/config";
import { queues, sendJob, type JobData } from "@/server/jobs";
import { insertDefaultRepos } from "@/server/git/repos";
import { OrgInputError, slugify, validateSlug } from "@/server/orgs";
import type { DirectoryUser } from "./client";
import { readDirectory, readRolesOf, type Directory } from "./directory";
import { dnKey } from "./dn";

/** What started a sync: the schedule, an admin, the CLI, the portal starting, or a sign-in that met an organization not imported yet. */
export type SyncTrigger = JobData<typeof queues.ldapSync>["trigger"];
export type SyncRun = typeof ldapSyncRuns.$inferSelect;

export type SyncCounts = {
  orgsAdded: number;
  orgsUpdated: number;
  orgsArchived: number;
  usersAdded: number;
  usersUpdated: number;
  membersAdded: number;
  membersRemoved: number;
  membersChanged: number;
};

const emptyCounts = (): SyncCounts => ({
  orgsAdded: 0,
  orgsUpdated: 0,
  orgsArchived: 0,
  usersAdded: 0,
  usersUpdated: 0,
  membersAdded: 0,
  membersRemoved: 0,
  membersChanged: 0,
});

/** pg_advisory_xact_lock key: one sync at a time across every process (727002 is first-admin). */
const SYNC_LOCK = 727_003;
/** How long a sync waits for the one already running. */
const LOCK_WAIT_MS = 5 * 60_000;

/** A problem in the directory's content that stops the sync; its message is for admins. */
export class LdapSyncError extends Error {}

const SYSTEM_ACTOR = { kind: "system", name: "ldap-sync" } as const;

/**
 * Many rows as ONE jsonb parameter; `jsonb_to_recordset` / `jsonb_array_elements_text`
 * turn it back into a table, so each bulk change is a single cheap statement.
 */
const json = (rows: unknown[]) => sql`${JSON.stringify(rows)}::jsonb`;

type OrgChange = {
  orgId: string;
  slug: string;
  org?: "added" | "updated" | "restored" | "archived";
  added: { user: string; role: OrgRole }[];
  removed: string[];
  changed: { user: string; from: OrgRole; to: OrgRole }[];
};

// ---------------------------------------------------------------- users

/** Inserts/refreshes the people the groups name. Local accounts are never touched. */
async function syncUsers(tx: Tx, dir: Directory, counts: SyncCounts) {
  const byUsername = new Map<string, { key: string; person: DirectoryUser }>();
  for (const org of dir.orgs) {
    for (const key of org.members.keys()) {
      const person = dir.people.get(key);
      if (person && !byUsername.has(person.username)) byUsername.set(person.username, { key, person });
    }
  }
  const existing = await tx
    .select({ id: users.id, username: users.username, source: users.source, displayName: users.displayName, email: users.email, ldapDn: users.ldapDn })
    .from(users)
    .where(sql`${users.username} in (select jsonb_array_elements_text(${json([...byUsername.keys()])}))`);
  const existingByName = new Map(existing.map((u) => [u.username, u]));

  /** person DN key → user id, for people that are directory users here */
  const userIdByKey = new Map<string, string>();
  const usernameById = new Map<string, string>();
  const toInsert: DirectoryUser[] = [];
  const toUpdate: { id: string; display_name: string; email: string | null; ldap_dn: string }[] = [];
  for (const [username, { key, person }] of byUsername) {
    const row = existingByName.get(username);
    if (!row) {
      toInsert.push(person);
      continue;
    }
    if (row.source !== "ldap") continue; // a local account with the same name is not the directory's to manage
    userIdByKey.set(key, row.id);
    usernameById.set(row.id, username);
    if (row.displayName !== person.displayName || row.email !== person.email || row.ldapDn !== person.dn)
      toUpdate.push({ id: row.id, display_name: person.displayName, email: person.email, ldap_dn: person.dn });
  }

  if (toInsert.length) {
    const inserted = await tx.execute<{ id: string; username: string }>(sql`
      insert into ${users} (username, display_name, email, source, ldap_dn)
      select username, display_name, email, 'ldap', ldap_dn
      from jsonb_to_recordset(${json(toInsert.map((p) => ({ username: p.username, display_name: p.displayName, email: p.email, ldap_dn: p.dn })))})
        as x(username text, display_name text, email text, ldap_dn text)
      on conflict (username) do nothing
      returning id, username`);
    const ids = [...inserted];
    // Whoever logged in meanwhile was created by the login flow: use that row if it is a directory user.
    if (ids.length < toInsert.length) {
      const got = new Set(ids.map((r) => r.username));
      const raced = toInsert.filter((p) => !got.has(p.username)).map((p) => p.username);
      ids.push(
        ...(await tx
          .select({ id: users.id, username: users.username })
          .from(users)
          .where(and(inArray(users.username, raced), eq(users.source, "ldap")))),
      );
    }
    for (const r of ids) {
      userIdByKey.set(byUsername.get(r.username)!.key, r.id);
      usernameById.set(r.id, r.username);
    }
    counts.usersAdded = inserted.length;
  }

  if (toUpdate.length) {
    await tx.execute(sql`
      update ${users} set display_name = v.display_name, email = v.email, ldap_dn = v.ldap_dn, updated_at = now()
      from jsonb_to_recordset(${json(toUpdate)}) as v(id uuid, display_name text, email text, ldap_dn text)
      where users.id = v.id and users.source = 'ldap'`);
    counts.usersUpdated = toUpdate.length;
  }
  return { userIdByKey, usernameById };
}

// ---------------------------------------------------------------- organizations

function slugForDirectoryOrg(name: string, dn: string): string {
  const slug = slugify(name);
  try {
    validateSlug(slug);
  } catch (e) {
    if (e instanceof OrgInputError)
      throw new LdapSyncError(`Organization "${name}" (${dn}) cannot be synced: its URL name "${slug}" is not usable (${e.message})`);
    throw e;
  }
  return slug;
}

/**
 * Creates, updates, restores and archives the directory's orgs (keyed by DN). A slug already
 * taken by another org stops the sync with a message naming both.
 */
async function syncOrgs(tx: Tx, dir: Directory, counts: SyncCounts, changes: Map<string, OrgChange>) {
  const wanted = dir.orgs.map((o) => ({ ...o, slug: slugForDirectoryOrg(o.name, o.dn) }));
  const seen = new Map<string, string>();
  for (const o of wanted) {
    const other = seen.get(o.slug);
    if (other) throw new LdapSyncError(`Organizations ${other} and ${o.dn} would both get the URL name "${o.slug}"; rename one of them in the directory`);
    seen.set(o.slug, o.dn);
  }

  const existing = await tx
    .select()
    .from(organizations)
    .where(or(eq(organizations.source, "ldap"), sql`${organizations.slug} in (select jsonb_array_elements_text(${json(wanted.map((o) => o.slug))}))`));
  const byKey = new Map(existing.filter((o) => o.source === "ldap" && o.ldapDn).map((o) => [dnKey(o.ldapDn!), o]));
  const bySlug = new Map(existing.map((o) => [o.slug, o]));
  const presentKeys = new Set(wanted.map((o) => o.key));

  const orgIdByKey = new Map<string, string>();
  const slugById = new Map<string, string>();
  const matched = new Set<string>();
  const toInsert: typeof wanted = [];
  const toUpdate: { id: string; slug: string; name: string; description: string; ldap_dn: string; restored: boolean }[] = [];
  for (const o of wanted) {
    let match = byKey.get(o.key);
    const owner = bySlug.get(o.slug);
    // The same org moved or renamed in the tree: its old DN is gone, its slug lives on.
    if (!match && owner?.source === "ldap" && owner.ldapDn && !presentKeys.has(dnKey(owner.ldapDn)) && !matched.has(owner.id)) match = owner;
    if (owner && owner.id !== match?.id) {
      const whose = owner.source === "local" ? "the local organization" : `the organization from ${owner.ldapDn}`;
      throw new LdapSyncError(
        `Organization "${o.name}" (${o.dn}) cannot be synced: the URL name "${o.slug}" is already used by ${whose} "${owner.name}". Rename one of them.`,
      );
    }
    if (!match) {
      toInsert.push(o);
      continue;
    }
    matched.add(match.id);
    orgIdByKey.set(o.key, match.id);
    slugById.set(match.id, o.slug);
    const restored = match.archivedAt !== null;
    if (restored || match.name !== o.name || match.slug !== o.slug || match.description !== o.description || match.ldapDn !== o.dn)
      toUpdate.push({ id: match.id, slug: o.slug, name: o.name, description: o.description, ldap_dn: o.dn, restored });
  }

  if (toInsert.length) {
    const inserted = await tx.execute<{ id: string; slug: string; ldap_dn: string }>(sql`
      insert into ${organizations} (slug, name, description, source, ldap_dn)
      select slug, name, description, 'ldap', ldap_dn
      from jsonb_to_recordset(${json(toInsert.map((o) => ({ slug: o.slug, name: o.name, description: o.description, ldap_dn: o.dn })))})
        as x(slug text, name text, description text, ldap_dn text)
      returning id, slug, ldap_dn`);
    for (const r of inserted) {
      orgIdByKey.set(dnKey(r.ldap_dn), r.id);
      slugById.set(r.id, r.slug);
      changes.set(r.id, { orgId: r.id, slug: r.slug, org: "added", added: [], removed: [], changed: [] });
    }
    counts.orgsAdded = inserted.length;
    await insertDefaultRepos(tx, [...inserted]);
  }

  if (toUpdate.length) {
    await tx.execute(sql`
      update ${organizations} set slug = v.slug, name = v.name, description = v.description, ldap_dn = v.ldap_dn, archived_at = null, updated_at = now()
      from jsonb_to_recordset(${json(toUpdate)}) as v(id uuid, slug text, name text, description text, ldap_dn text)
      where organizations.id = v.id`);
    for (const u of toUpdate) changes.set(u.id, { orgId: u.id, slug: u.slug, org: u.restored ? "restored" : "updated", added: [], removed: [], changed: [] });
    counts.orgsUpdated = toUpdate.length;
  }

  // Gone from the directory: archived (read-only), never deleted.
  const gone = existing.filter((o) => o.source === "ldap" && !matched.has(o.id) && o.archivedAt === null);
  if (gone.length) {
    await tx.execute(sql`
      update ${organizations} set archived_at = now(), updated_at = now()
      where id in (select jsonb_array_elements_text(${json(gone.map((o) => o.id))})::uuid)`);
    for (const o of gone) changes.set(o.id, { orgId: o.id, slug: o.slug, org: "archived", added: [], removed: [], changed: [] });
    counts.orgsArchived = gone.length;
  }
  return { orgIdByKey, slugById };
}

// ---------------------------------------------------------------- memberships

type Ids = { userIdByKey: Map<string, string>; usernameById: Map<string, string>; orgIdByKey: Map<string, string>; slugById: Map<string, string> };

/** The org's entry in `changes`, made empty the first time it is asked for. */
function changeOf(changes: Map<string, OrgChange>, orgId: string, slugById: Map<string, string>): OrgChange {
  let c = changes.get(orgId);
  if (!c) changes.set(orgId, (c = { orgId, slug: slugById.get(orgId)!, added: [], removed: [], changed: [] }));
  return c;
}

/** Makes source=ldap memberships of the present orgs match the groups; local ones stay as they are. */
async function syncMemberships(tx: Tx, dir: Directory, ids: Ids, counts: SyncCounts, changes: Map<string, OrgChange>) {
  const rows = await tx
    .select({ orgId: memberships.orgId, userId: memberships.userId, role: memberships.role, source: memberships.source, username: users.username })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(sql`${memberships.orgId} in (select jsonb_array_elements_text(${json([...ids.orgIdByKey.values()])})::uuid)`);
  const existing = new Map(rows.map((r) => [`${r.orgId}:${r.userId}`, r]));

  const change = (orgId: string) => changeOf(changes, orgId, ids.slugById);

  type Row = { org_id: string; user_id: string; role: OrgRole };
  const toAdd: Row[] = [];
  const toChange: Row[] = [];
  const keep = new Set<string>();
  for (const org of dir.orgs) {
    const orgId = ids.orgIdByKey.get(org.key)!;
    for (const [personKey, role] of org.members) {
      const userId = ids.userIdByKey.get(personKey);
      if (!userId) continue; // not a person, or a local account of the same name
      const k = `${orgId}:${userId}`;
      if (keep.has(k)) continue;
      keep.add(k);
      const had = existing.get(k);
      const user = ids.usernameById.get(userId)!;
      if (!had) {
        toAdd.push({ org_id: orgId, user_id: userId, role });
        change(orgId).added.push({ user, role });
      } else if (had.source === "ldap" && had.role !== role) {
        toChange.push({ org_id: orgId, user_id: userId, role });
        change(orgId).changed.push({ user, from: had.role, to: role });
      }
    }
  }
  const toRemove = rows.filter((m) => m.source === "ldap" && !keep.has(`${m.orgId}:${m.userId}`));
  for (const m of toRemove) change(m.orgId).removed.push(m.username);

  if (toAdd.length)
    await tx.execute(sql`
      insert into ${memberships} (org_id, user_id, role, source)
      select org_id, user_id, role, 'ldap' from jsonb_to_recordset(${json(toAdd)}) as v(org_id uuid, user_id uuid, role org_role)`);
  if (toChange.length)
    await tx.execute(sql`
      update ${memberships} set role = v.role
      from jsonb_to_recordset(${json(toChange)}) as v(org_id uuid, user_id uuid, role org_role)
      where memberships.org_id = v.org_id and memberships.user_id = v.user_id and memberships.source = 'ldap'`);
  if (toRemove.length)
    await tx.execute(sql`
      delete from ${memberships}
      using jsonb_to_recordset(${json(toRemove.map((m) => ({ org_id: m.orgId, user_id: m.userId })))}) as v(org_id uuid, user_id uuid)
      where memberships.org_id = v.org_id and memberships.user_id = v.user_id and memberships.source = 'ldap'`);
  counts.membersAdded = toAdd.length;
  counts.membersChanged = toChange.length;
  counts.membersRemoved = toRemove.length;
}

/** One audit entry per org the sync changed, so leaders see it in their org's log. */
async function auditChanges(tx: Tx, changes: Map<string, OrgChange>, origin: { runId: string } | { signIn: string }) {
  const cap = <T>(xs: T[]) => (xs.length > 100 ? [...xs.slice(0, 100), `… and ${xs.length - 100} more`] : xs);
  // Sent together: postgres.js pipelines them on the transaction's connection.
  await Promise.all(
    [...changes.values()].map((c) =>
      recordAudit(tx, {
        actor: SYSTEM_ACTOR,
        action: "ldap.sync",
        orgId: c.orgId,
        targetType: "org",
        targetId: c.slug,
        outcome: "success",
        details: {
          ...origin,
          ...(c.org ? { org: c.org } : {}),
          ...(c.added.length ? { added: cap(c.added) } : {}),
          ...(c.removed.length ? { removed: cap(c.removed) } : {}),
          ...(c.changed.length ? { changed: cap(c.changed) } : {}),
        },
      }),
    ),
  );
}

// ---------------------------------------------------------------- at sign-in

/**
 * A person's own memberships, at sign-in, so a new colleague does not wait for the next
 * scheduled sync: their groups in the directory decide their source=ldap memberships of the
 * organizations already imported (audited like a sync's changes). A group of an organization
 * not imported yet queues a full sync, which creates it.
 */
export async function syncMembershipsAtLogin(db: Db, user: { id: string; username: string; ldapDn: string | null }): Promise<void> {
  const cfg = getConfig().ldap;
  if (!cfg || !user.ldapDn) return;
  const roles = await readRolesOf(cfg, user.ldapDn);
  const ldapOrgs = await db
    .select({ id: organizations.id, slug: organizations.slug, ldapDn: organizations.ldapDn })
    .from(organizations)
    .where(and(eq(organizations.source, "ldap"), sql`${organizations.archivedAt} is null`));
  const orgByKey = new Map(ldapOrgs.filter((o) => o.ldapDn).map((o) => [dnKey(o.ldapDn!), o]));
  const slugById = new Map(ldapOrgs.map((o) => [o.id, o.slug]));
  await db.transaction(async (tx) => {
    const mine = await tx
      .select({ orgId: memberships.orgId, role: memberships.role, source: memberships.source })
      .from(memberships)
      .where(eq(memberships.userId, user.id));
    const had = new Map(mine.map((m) => [m.orgId, m]));
    const changes = new Map<string, OrgChange>();
    const change = (orgId: string) => changeOf(changes, orgId, slugById);
    const keep = new Set<string>();
    for (const [key, role] of roles) {
      const org = orgByKey.get(key);
      if (!org) continue;
      keep.add(org.id);
      const m = had.get(org.id);
      if (!m) {
        await tx.insert(memberships).values({ orgId: org.id, userId: user.id, role, source: "ldap" });
        change(org.id).added.push({ user: user.username, role });
      } else if (m.source === "ldap" && m.role !== role) {
        await tx
          .update(memberships)
          .set({ role })
          .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, user.id)));
        change(org.id).changed.push({ user: user.username, from: m.role, to: role });
      }
    }
    for (const m of mine)
      if (m.source === "ldap" && slugById.has(m.orgId) && !keep.has(m.orgId)) {
        await tx.delete(memberships).where(and(eq(memberships.orgId, m.orgId), eq(memberships.userId, user.id), eq(memberships.source, "ldap")));
        change(m.orgId).removed.push(user.username);
      }
    await auditChanges(tx, changes, { signIn: user.username });
  });
  if ([...roles.keys()].some((k) => !orgByKey.has(k))) await sendJob(queues.ldapSync, { trigger: "login" }, { singletonKey: "ldap-sync-login" });
}

// ---------------------------------------------------------------- runs

function describeFailure(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err?.code === "23505") return `The directory's data clashes with existing data: ${err.message}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Imports the directory's organizations, their groups and people in one transaction, and
 * records the run (counts or the error) in ldap_sync_runs. Never throws for sync failures:
 * the returned run says what happened. Syncs are serialised with an advisory lock.
 */
export async function runLdapSync(db: Db, opts: { trigger: SyncTrigger; triggeredBy?: string | null }): Promise<SyncRun> {
  const cfg = getConfig().ldap;
  const counts = emptyCounts();
  const run: { id: string | null } = { id: null };
  const base = { trigger: opts.trigger, triggeredBy: opts.triggeredBy ?? null };
  try {
    if (!cfg) throw new LdapSyncError("LDAP is not configured: set LDAP_URL");
    const waitUntil = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      const ran = await db.transaction(async (tx) => {
        // Try, don't wait: a waiting sync would sit on a pooled connection the running one may need.
        const [{ locked }] = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(${SYNC_LOCK}) as locked`);
        if (!locked) return false;
        // Written outside the transaction so the admin page sees the run while it works.
        const [row] = await db.insert(ldapSyncRuns).values(base).returning({ id: ldapSyncRuns.id });
        run.id = row.id;
        // We hold the lock, so any other "running" row belongs to a process that died mid-sync.
        await db
          .update(ldapSyncRuns)
          .set({ status: "failed", finishedAt: new Date(), error: "Interrupted: the process running this sync stopped before it finished" })
          .where(and(eq(ldapSyncRuns.status, "running"), ne(ldapSyncRuns.id, row.id)));

        const dir = await readDirectory(cfg);
        const changes = new Map<string, OrgChange>();
        const userIds = await syncUsers(tx, dir, counts);
        const orgIds = await syncOrgs(tx, dir, counts, changes);
        await syncMemberships(tx, dir, { ...userIds, ...orgIds }, counts, changes);
        await auditChanges(tx, changes, { runId: row.id });
        return true;
      });
      if (ran) break;
      if (Date.now() > waitUntil) throw new LdapSyncError("Another LDAP sync has been running for more than 5 minutes; try again later");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const [done] = await db
      .update(ldapSyncRuns)
      .set({ status: "success", finishedAt: new Date(), ...counts })
      .where(eq(ldapSyncRuns.id, run.id!))
      .returning();
    return done;
  } catch (e) {
    const failed = { status: "failed" as const, finishedAt: new Date(), error: describeFailure(e), ...emptyCounts() };
    if (run.id) return (await db.update(ldapSyncRuns).set(failed).where(eq(ldapSyncRuns.id, run.id)).returning())[0];
    return (
      await db
        .insert(ldapSyncRuns)
        .values({ ...base, ...failed })
        .returning()
    )[0];
  }
}

/** The ldap-sync queue's job. A failed run fails the job too, so it shows under Background jobs. */
export async function ldapSyncJob(data: JobData<typeof queues.ldapSync>): Promise<void> {
  const run = await runLdapSync(getDb(), data);
  if (run.status === "failed") throw new Error(`LDAP sync failed: ${run.error}`);
}
