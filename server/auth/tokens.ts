import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { InputError, StateError } from "@/server/errors";
import { notify } from "@/server/notify";
import { personalAccessTokens, users } from "@/db/schema";

export const TOKEN_PREFIX = "rky_";

export function hashToken(token: string) {
  return createHash("sha256").update(token).digest("hex");
}

/** Returns the plaintext token once; only its sha256 is stored (it has 256 bits of entropy). */
export async function createToken(db: DbOrTx, input: { userId: string; name: string; scope: "read" | "write"; expiresAt: Date | null }) {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const [row] = await db
    .insert(personalAccessTokens)
    .values({
      userId: input.userId,
      name: input.name,
      scope: input.scope,
      tokenHash: hashToken(token),
      tokenPrefix: token.slice(0, 8),
      expiresAt: input.expiresAt,
    })
    .returning({ id: personalAccessTokens.id });
  return { id: row.id, token };
}

/**
 * A new personal access token, and its owner told (a token they did not make is the first sign
 * of a stolen account), in one transaction. The UI (for oneself) and the CLI (for anyone) use
 * this; `alsoInTx` lets the entry point add its own record (the CLI's audit entry).
 */
export async function issueToken(
  db: Db,
  input: { user: { id: string; username: string; disabledAt: Date | null }; name: string; scope: "read" | "write"; expiresAt: Date | null },
  alsoInTx?: (tx: DbOrTx, token: { id: string }) => Promise<unknown>,
) {
  const { user, name, scope, expiresAt } = input;
  if (expiresAt && expiresAt <= new Date()) throw new InputError("expiresAt", "Expiry must be in the future");
  if (user.disabledAt) throw new StateError(`User ${user.username} is disabled`);
  return db.transaction(async (tx) => {
    const token = await createToken(tx, { userId: user.id, name, scope, expiresAt });
    const expiry = expiresAt ? `expires ${expiresAt.toISOString().slice(0, 10)}` : "never expires";
    await notify(tx, {
      userIds: [user.id],
      kind: "security.token_created",
      title: `Personal access token "${name}" was created`,
      body: `A ${scope} token named "${name}" (${expiry}) was created for your account. If this was not you, revoke it now.`,
      link: "/settings/tokens",
    });
    await alsoInTx?.(tx, token);
    return token;
  });
}

export async function listTokens(db: DbOrTx, userId: string) {
  return db
    .select({
      id: personalAccessTokens.id,
      name: personalAccessTokens.name,
      scope: personalAccessTokens.scope,
      tokenPrefix: personalAccessTokens.tokenPrefix,
      expiresAt: personalAccessTokens.expiresAt,
      lastUsedAt: personalAccessTokens.lastUsedAt,
      revokedAt: personalAccessTokens.revokedAt,
      createdAt: personalAccessTokens.createdAt,
    })
    .from(personalAccessTokens)
    .where(eq(personalAccessTokens.userId, userId))
    .orderBy(desc(personalAccessTokens.createdAt));
}

export async function revokeToken(db: DbOrTx, userId: string, tokenId: string): Promise<boolean> {
  const rows = await db
    .update(personalAccessTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(personalAccessTokens.id, tokenId), eq(personalAccessTokens.userId, userId), isNull(personalAccessTokens.revokedAt)))
    .returning({ id: personalAccessTokens.id });
  return rows.length > 0;
}

/**
 * Resolves a presented token to its user and scope, or null when unknown, revoked,
 * expired, or the user is disabled. When `username` is given (Basic auth) it must match.
 */
export async function verifyToken(db: DbOrTx, token: string, username?: string) {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const [row] = await db
    .select({
      id: personalAccessTokens.id,
      scope: personalAccessTokens.scope,
      expiresAt: personalAccessTokens.expiresAt,
      revokedAt: personalAccessTokens.revokedAt,
      user: users,
    })
    .from(personalAccessTokens)
    .innerJoin(users, eq(users.id, personalAccessTokens.userId))
    .where(eq(personalAccessTokens.tokenHash, hashToken(token)))
    .limit(1);
  if (!row || row.revokedAt || row.user.disabledAt) return null;
  if (row.expiresAt && row.expiresAt <= new Date()) return null;
  if (username !== undefined && row.user.username !== username.toLowerCase()) return null;
  // At most one write a minute per token: git makes several requests per fetch.
  await db
    .update(personalAccessTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(personalAccessTokens.id, row.id),
        or(isNull(personalAccessTokens.lastUsedAt), lt(personalAccessTokens.lastUsedAt, sql`now() - interval '60 seconds'`)),
      ),
    );
  return { user: row.user, scope: row.scope };
}
