import { and, asc, eq, gt, ilike, isNull, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { containsPattern } from "@/db/like";
import { memberships, organizations, users } from "@/db/schema";
import type { Actor, OrgRole, OrgScope } from "@/server/auth/policy";
import { insertDefaultRepos } from "@/server/git/repos";
import { getUserByUsername, normalizeUsername } from "@/server/users";
import { InputError, StateError } from "@/server/errors";
import { notify } from "@/server/notify";

export type Org = typeof organizations.$inferSelect;

export class OrgInputError extends InputError {}

export const DUPLICATE_ORG = "An organization with this name already exists";
export const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Paths that org slugs must not shadow. */
const reservedSlugs = new Set(["admin", "api", "settings", "login", "logout", "setup", "new", "git", "packages", "pki", "boot", "puppet-ca", "orgs"]);

export function slugify(name: string) {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

export function validateSlug(slug: string) {
  if (!slugPattern.test(slug)) throw new OrgInputError("slug", "Use 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit");
  if (reservedSlugs.has(slug)) throw new OrgInputError("slug", `"${slug}" is reserved`);
}

function isUniqueViolation(e: unknown) {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === "23505" || err?.cause?.code === "23505";
}

export type NewOrg = {
  name: string;
  slug?: string;
  description?: string;
  source: "local" | "ldap";
  ldapDn?: string | null;
  members?: { userId: string; role: OrgRole; source?: "local" | "ldap" }[];
};

/** Inserts the org, its memberships and its default repositories; call inside a transaction. */
export async function insertOrg(tx: DbOrTx, input: NewOrg): Promise<Org> {
  const name = input.name.trim();
  if (!name) throw new OrgInputError("name", "Name is required");
  const slug = input.slug?.trim() || slugify(name);
  validateSlug(slug);
  const [org] = await tx
    .insert(organizations)
    .values({ name, slug, description: input.description ?? "", source: input.source, ldapDn: input.ldapDn ?? null })
    .onConflictDoNothing()
    .returning();
  if (!org) throw new OrgInputError("name", DUPLICATE_ORG);
  if (input.members?.length) {
    await tx.insert(memberships).values(input.members.map((m) => ({ orgId: org.id, userId: m.userId, role: m.role, source: m.source ?? input.source })));
  }
  await insertDefaultRepos(tx, [org]);
  return org;
}

export async function createOrg(db: Db, input: NewOrg, after?: (tx: DbOrTx, org: Org) => Promise<void>): Promise<Org> {
  try {
    return await db.transaction(async (tx) => {
      const org = await insertOrg(tx, input);
      await after?.(tx, org);
      return org;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new OrgInputError("name", DUPLICATE_ORG);
    throw e;
  }
}

export async function getOrgBySlug(db: DbOrTx, slug: string) {
  return (await db.select().from(organizations).where(eq(organizations.slug, slug)).limit(1))[0] ?? null;
}

export async function roleOf(db: DbOrTx, orgId: string, userId: string): Promise<OrgRole | null> {
  const [m] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
  return m?.role ?? null;
}

/** The org and the actor's view of it (for policy), or null when no such slug. One query. */
export async function orgScopeFor(db: DbOrTx, slug: string, actor: Actor): Promise<{ org: Org; scope: OrgScope } | null> {
  const userId = actor.kind === "user" ? actor.id : null;
  const [row] = await db
    .select({ org: organizations, role: memberships.role })
    .from(organizations)
    .leftJoin(memberships, and(eq(memberships.orgId, organizations.id), userId ? eq(memberships.userId, userId) : sql`false`))
    .where(eq(organizations.slug, slug))
    .limit(1);
  if (!row) return null;
  return { org: row.org, scope: { id: row.org.id, archived: row.org.archivedAt !== null, role: row.role ?? null } };
}

/** Member count of one org, as a correlated subquery (index on memberships' primary key). */
const memberCount = sql<number>`(select count(*)::int from ${memberships} m where m.org_id = ${organizations.id})`;

export async function listOrgsForUser(db: DbOrTx, userId: string) {
  return db
    .select({
      id: organizations.id,
      slug: organizations.slug,
      name: organizations.name,
      description: organizations.description,
      source: organizations.source,
      archivedAt: organizations.archivedAt,
      role: memberships.role,
      memberCount,
    })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(organizations.name));
}

export async function listAllOrgs(db: DbOrTx, opts: { query?: string; cursor?: string; limit: number; includeArchived?: boolean }) {
  const rows = await db
    .select({
      id: organizations.id,
      slug: organizations.slug,
      name: organizations.name,
      source: organizations.source,
      archivedAt: organizations.archivedAt,
      memberCount,
    })
    .from(organizations)
    .where(
      and(
        opts.query ? or(ilike(organizations.name, containsPattern(opts.query)), ilike(organizations.slug, containsPattern(opts.query))) : undefined,
        opts.cursor ? gt(organizations.slug, opts.cursor) : undefined,
        opts.includeArchived === false ? isNull(organizations.archivedAt) : undefined,
      ),
    )
    .orderBy(asc(organizations.slug))
    .limit(opts.limit + 1);
  const hasMore = rows.length > opts.limit;
  const items = rows.slice(0, opts.limit);
  return { items, nextCursor: hasMore ? items[items.length - 1].slug : null };
}

export async function listMembers(db: DbOrTx, orgId: string) {
  return db
    .select({
      userId: users.id,
      username: users.username,
      displayName: users.displayName,
      email: users.email,
      role: memberships.role,
      source: memberships.source,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(sql`case ${memberships.role} when 'leader' then 0 when 'developer' then 1 else 2 end`, asc(users.username));
}

export async function addMember(db: DbOrTx, orgId: string, username: string, role: OrgRole) {
  const user = await getUserByUsername(db, username);
  if (!user) throw new OrgInputError("username", `No user named ${normalizeUsername(username)}`);
  const rows = await db.insert(memberships).values({ orgId, userId: user.id, role, source: "local" }).onConflictDoNothing().returning();
  if (!rows[0]) throw new OrgInputError("username", `${user.username} is already a member`);
  return user;
}

/**
 * Adds a member and tells them (in-app, e-mail by their preferences) in one transaction.
 * `by`: who added them, or null for an operator at the CLI; `alsoInTx`: the entry point's own
 * record (the CLI's audit entry).
 */
export async function addMemberWithNotice(
  db: Db,
  input: { org: Org; username: string; role: OrgRole; by: { id: string; username: string; displayName: string } | null },
  alsoInTx?: (tx: DbOrTx, user: { id: string; username: string }) => Promise<unknown>,
) {
  const { org, role, by } = input;
  if (org.archivedAt) throw new StateError(`Organization ${org.slug} is archived (read-only)`);
  return db.transaction(async (tx) => {
    const added = await addMember(tx, org.id, input.username, role);
    await notify(tx, {
      userIds: [added.id],
      exceptUserIds: by ? [by.id] : [],
      kind: "org.member_added",
      orgId: org.id,
      title: `You were added to ${org.name}`,
      body: `${by ? `${by.displayName} (@${by.username})` : "An administrator"} added you to the organization ${org.name} as ${role}.`,
      link: `/orgs/${org.slug}`,
    });
    await alsoInTx?.(tx, added);
    return added;
  });
}

export async function setMemberRole(db: DbOrTx, orgId: string, userId: string, role: OrgRole) {
  const rows = await db
    .update(memberships)
    .set({ role })
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .returning();
  if (!rows[0]) throw new OrgInputError("userId", "Not a member of this organization");
}

export async function removeMember(db: DbOrTx, orgId: string, userId: string) {
  const rows = await db
    .delete(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .returning();
  if (!rows[0]) throw new OrgInputError("userId", "Not a member of this organization");
}

export async function setArchived(db: DbOrTx, orgId: string, archived: boolean) {
  await db
    .update(organizations)
    .set({ archivedAt: archived ? new Date() : null, updatedAt: new Date() })
    .where(eq(organizations.id, orgId));
}
