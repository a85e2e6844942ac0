import { and, asc, count, eq, gt, ilike, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { containsPattern } from "@/db/like";
import { loginThrottle, users } from "@/db/schema";
import { hashPassword, passwordProblem } from "@/server/auth/password";
import type { DirectoryUser } from "@/server/ldap/client";
import { InputError } from "@/server/errors";

export type User = typeof users.$inferSelect;

export class UserInputError extends InputError {}

export const usernamePattern = /^[a-z0-9][a-z0-9._-]{1,62}$/;

export function normalizeUsername(u: string) {
  return u.trim().toLowerCase();
}

export async function getUserById(db: DbOrTx, id: string) {
  return (await db.select().from(users).where(eq(users.id, id)).limit(1))[0] ?? null;
}

export async function getUserByUsername(db: DbOrTx, username: string) {
  return (
    (
      await db
        .select()
        .from(users)
        .where(eq(users.username, normalizeUsername(username)))
        .limit(1)
    )[0] ?? null
  );
}

let instanceHasAdmin = false;

/**
 * Whether setup is over: an administrator exists. Directory users imported before that (the
 * LDAP sync at start-up) do not end it. The last admin can be neither revoked nor disabled
 * (admin/users.ts), so once true it stays true and the answer is kept in memory: every page asks.
 */
export async function setupDone(db: DbOrTx): Promise<boolean> {
  if (!instanceHasAdmin) instanceHasAdmin = await hasAdmin(db);
  return instanceHasAdmin;
}

export async function hasAdmin(db: DbOrTx): Promise<boolean> {
  const rows = await db
    .select({ one: sql`1` })
    .from(users)
    .where(eq(users.isAdmin, true))
    .limit(1);
  return rows.length > 0;
}

async function validatedLocal(username: string, password: string) {
  const name = normalizeUsername(username);
  if (!usernamePattern.test(name)) throw new UserInputError("username", "Use 2-63 lowercase letters, digits, dots, dashes or underscores");
  const problem = passwordProblem(password, name);
  if (problem) throw new UserInputError("password", problem);
  return { name, hash: await hashPassword(password) };
}

/**
 * Creates the first admin only while the instance has no users. A transaction-scoped
 * advisory lock serialises concurrent attempts, so exactly one can succeed.
 */
export async function createFirstAdmin(db: Db, input: { username: string; password: string }): Promise<User | null> {
  const { name, hash } = await validatedLocal(input.username, input.password);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(727002)`);
    if (await hasAdmin(tx)) return null;
    const [user] = await tx.insert(users).values({ username: name, displayName: name, source: "local", passwordHash: hash, isAdmin: true }).returning();
    return user;
  });
}

export async function createLocalUser(
  db: DbOrTx,
  input: { username: string; password: string; isAdmin?: boolean; displayName?: string; email?: string | null },
): Promise<User> {
  const { name, hash } = await validatedLocal(input.username, input.password);
  const rows = await db
    .insert(users)
    .values({
      username: name,
      displayName: input.displayName || name,
      email: input.email ?? null,
      source: "local",
      passwordHash: hash,
      isAdmin: input.isAdmin ?? false,
    })
    .onConflictDoNothing({ target: users.username })
    .returning();
  if (!rows[0]) throw new UserInputError("username", "A user with this username already exists");
  return rows[0];
}

export async function setLocalPassword(db: DbOrTx, username: string, password: string) {
  const user = await getUserByUsername(db, username);
  if (!user) throw new UserInputError("username", `No user named ${normalizeUsername(username)}`);
  if (user.source !== "local") throw new UserInputError("username", "This account's password is managed in LDAP");
  const problem = passwordProblem(password, user.username);
  if (problem) throw new UserInputError("password", problem);
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(password), updatedAt: new Date() })
    .where(eq(users.id, user.id));
}

/** Inserts or refreshes a directory user; returns the row and whether it was new. */
export async function upsertLdapUser(db: DbOrTx, d: DirectoryUser): Promise<{ user: User; created: boolean; changed: boolean }> {
  const existing = await getUserByUsername(db, d.username);
  if (!existing) {
    const [user] = await db
      .insert(users)
      .values({ username: d.username, displayName: d.displayName, email: d.email, source: "ldap", ldapDn: d.dn })
      .returning();
    return { user, created: true, changed: true };
  }
  if (existing.source !== "ldap") return { user: existing, created: false, changed: false };
  const changed = existing.displayName !== d.displayName || existing.email !== d.email || existing.ldapDn !== d.dn;
  if (!changed) return { user: existing, created: false, changed: false };
  const [user] = await db
    .update(users)
    .set({ displayName: d.displayName, email: d.email, ldapDn: d.dn, updatedAt: new Date() })
    .where(eq(users.id, existing.id))
    .returning();
  return { user, created: false, changed: true };
}

export async function touchLogin(db: DbOrTx, id: string) {
  await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, id));
}

export async function listUsers(db: DbOrTx, opts: { query?: string; cursor?: string; limit: number }) {
  const where = and(
    opts.query ?
      or(
        ilike(users.username, containsPattern(opts.query)),
        ilike(users.displayName, containsPattern(opts.query)),
        ilike(users.email, containsPattern(opts.query)),
      )
    : undefined,
    opts.cursor ? gt(users.username, opts.cursor) : undefined,
  );
  const rows = await db
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      email: users.email,
      source: users.source,
      isAdmin: users.isAdmin,
      disabledAt: users.disabledAt,
      lastLoginAt: users.lastLoginAt,
      /** some address is locked out of this account after failed logins (admins can unlock) */
      lockedOut: sql<boolean>`exists (select 1 from ${loginThrottle} where ${loginThrottle.username} = ${users.username} and ${loginThrottle.lockedUntil} > now())`,
    })
    .from(users)
    .where(where)
    .orderBy(asc(users.username))
    .limit(opts.limit + 1);
  const hasMore = rows.length > opts.limit;
  const items = rows.slice(0, opts.limit);
  return { items, nextCursor: hasMore ? items[items.length - 1].username : null };
}

export async function countUsers(db: DbOrTx) {
  return (await db.select({ n: count() }).from(users))[0].n;
}

export async function setUserAdmin(db: DbOrTx, id: string, isAdmin: boolean) {
  await db.update(users).set({ isAdmin, updatedAt: new Date() }).where(eq(users.id, id));
}

export async function setUserDisabled(db: DbOrTx, id: string, disabled: boolean) {
  await db
    .update(users)
    .set({ disabledAt: disabled ? new Date() : null, updatedAt: new Date() })
    .where(eq(users.id, id));
}
