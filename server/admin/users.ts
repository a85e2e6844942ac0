import { and, eq, isNull, ne, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { loginThrottle, memberships, personalAccessTokens, users } from "@/db/schema";
import { unlockUser } from "@/server/auth/throttle";
import { notify } from "@/server/notify";
import { getUserById, setLocalPassword, UserInputError, type User } from "@/server/users";
import { writeProfile } from "@/server/users/profile";

export const NOT_YOURSELF = "You cannot change your own account here; ask another administrator";
export const LAST_ADMIN = "Rookery needs at least one active administrator";
export const NOT_YOURSELF_DELETE = "You cannot delete your own account; ask another administrator";

/** Serialises admin-set changes so two concurrent revocations cannot remove the last admin. */
const ADMIN_CHANGE_LOCK = 727003;

async function activeAdminsOtherThan(tx: DbOrTx, userId: string) {
  const [r] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.isAdmin, true), isNull(users.disabledAt), ne(users.id, userId)));
  return r.n;
}

type Change = { isAdmin?: boolean; disabled?: boolean };

/**
 * Grants/revokes admin or disables/enables an account on behalf of `actorId`. Guards:
 * nobody changes their own account, and at least one active admin always remains.
 */
export async function changeUser(db: Db, actorId: string, userId: string, change: Change): Promise<User> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ADMIN_CHANGE_LOCK})`);
    const user = await getUserById(tx, userId);
    if (!user) throw new UserInputError("userId", "No such user");
    if (user.id === actorId) throw new UserInputError("userId", NOT_YOURSELF);
    const wasActiveAdmin = user.isAdmin && !user.disabledAt;
    const staysActiveAdmin = (change.isAdmin ?? user.isAdmin) && !(change.disabled ?? user.disabledAt !== null);
    if (wasActiveAdmin && !staysActiveAdmin && (await activeAdminsOtherThan(tx, user.id)) === 0) throw new UserInputError("userId", LAST_ADMIN);
    const set: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (change.isAdmin !== undefined) set.isAdmin = change.isAdmin;
    if (change.disabled !== undefined) set.disabledAt = change.disabled ? (user.disabledAt ?? new Date()) : null;
    const [updated] = await tx.update(users).set(set).where(eq(users.id, user.id)).returning();
    return updated;
  });
}

/** Lifts every failed-login lock on the account; returns its name and how many addresses were locked. */
export async function unlockSignIn(db: DbOrTx, userId: string): Promise<{ username: string; unlocked: number }> {
  const user = await getUserById(db, userId);
  if (!user) throw new UserInputError("userId", "No such user");
  return { username: user.username, unlocked: await unlockUser(db, user.username) };
}

/** An administrator edits a local account's name and e-mail (directory accounts follow LDAP). */
export async function editUser(db: DbOrTx, userId: string, input: { displayName: string; email: string | null }): Promise<User> {
  const user = await getUserById(db, userId);
  if (!user) throw new UserInputError("userId", "No such user");
  return writeProfile(db, user, input, "This account is managed by the directory (LDAP): change it there");
}

/**
 * An administrator sets a new password for a local account (not their own: Settings is for
 * that), lifts its sign-in locks and tells the owner, all in one transaction.
 */
export async function resetPassword(
  db: Db,
  actorId: string | null,
  userId: string,
  password: string,
  alsoInTx?: (tx: DbOrTx, user: User) => Promise<unknown>,
): Promise<User> {
  return db.transaction(async (tx) => {
    const user = await getUserById(tx, userId);
    if (!user) throw new UserInputError("userId", "No such user");
    if (user.id === actorId) throw new UserInputError("password", "Change your own password in Settings");
    if (user.source !== "local") throw new UserInputError("password", "This account's password is managed in LDAP");
    await setLocalPassword(tx, user.username, password);
    await unlockUser(tx, user.username);
    await notify(tx, {
      userIds: [user.id],
      kind: "security.password_changed",
      title: "An administrator reset your password",
      body: "An administrator set a new password for your Rookery account; they will tell you what it is. Change it in Settings after signing in.",
      link: "/settings",
    });
    await alsoInTx?.(tx, user);
    return user;
  });
}

export type DeletedUser = { username: string; source: User["source"]; memberships: number; tokens: number };

/**
 * Deletes an account the way GitLab does, in one transaction: its memberships, access tokens,
 * notifications, pending reviewer requests and approvals go with it; what the person made
 * stays. The foreign keys of db/schema already say so: the account's own things cascade, and
 * every authored row (merge requests, comments, releases, certificates, pipelines, audit
 * entries…) has ON DELETE SET NULL, which the pages show as "a deleted user". We set null
 * rather than reassign to a ghost account because a ghost would be a real user row that
 * policies, member lists, counts and sign-in would all have to exclude; audit entries keep
 * the name (actor_name) anyway. An LDAP account still in the directory may sign in again
 * and gets a new, empty account (its groups' memberships come back with it), as in GitLab:
 * the page says so and suggests disabling instead.
 */
export async function deleteUser(db: Db, actorId: string, userId: string): Promise<DeletedUser> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ADMIN_CHANGE_LOCK})`);
    const user = await getUserById(tx, userId);
    if (!user) throw new UserInputError("userId", "No such user");
    if (user.id === actorId) throw new UserInputError("userId", NOT_YOURSELF_DELETE);
    if (user.isAdmin && !user.disabledAt && (await activeAdminsOtherThan(tx, user.id)) === 0) throw new UserInputError("userId", LAST_ADMIN);
    const gone = await tx.delete(memberships).where(eq(memberships.userId, user.id)).returning({ orgId: memberships.orgId });
    const tokens = await tx.delete(personalAccessTokens).where(eq(personalAccessTokens.userId, user.id)).returning({ id: personalAccessTokens.id });
    // A later account with the same name must not inherit this one's sign-in locks.
    await tx.delete(loginThrottle).where(eq(loginThrottle.username, user.username));
    await tx.delete(users).where(eq(users.id, user.id));
    return { username: user.username, source: user.source, memberships: gone.length, tokens: tokens.length };
  });
}
