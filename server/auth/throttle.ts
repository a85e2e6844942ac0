import { and, eq, gt, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { loginThrottle } from "@/db/schema";

export const MAX_FAILURES = 5;
export const WINDOW_MS = 10 * 60 * 1000;
export const LOCK_MS = 10 * 60 * 1000;

/**
 * Failures count per user name *and* source address (as GitLab and Gitea do): five wrong
 * passwords from one address lock that address out of that account for ten minutes, while
 * the owner, elsewhere, still signs in. `address` is the client's IP (front door), or a fixed
 * label for checks that are not logins from the network.
 */
const pair = (username: string, address: string) => and(eq(loginThrottle.username, username), eq(loginThrottle.address, address));

/** The time the lock ends, or null when this address may try this username. */
export async function lockedUntil(db: DbOrTx, username: string, address: string, now = new Date()): Promise<Date | null> {
  const [row] = await db.select().from(loginThrottle).where(pair(username, address));
  return row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null;
}

/** Counts a failure inside the rolling window; returns the lock end when this one locks. */
export async function recordFailure(db: DbOrTx, username: string, address: string): Promise<Date | null> {
  const expired = sql`${loginThrottle.windowStart} < now() - make_interval(secs => ${WINDOW_MS / 1000})`;
  const [row] = await db
    .insert(loginThrottle)
    .values({ username, address, failures: 1 })
    .onConflictDoUpdate({
      target: [loginThrottle.username, loginThrottle.address],
      set: {
        failures: sql`case when ${expired} then 1 else ${loginThrottle.failures} + 1 end`,
        windowStart: sql`case when ${expired} then now() else ${loginThrottle.windowStart} end`,
      },
    })
    .returning();
  if (row.failures < MAX_FAILURES) return null;
  const [locked] = await db
    .update(loginThrottle)
    .set({ lockedUntil: sql`now() + make_interval(secs => ${LOCK_MS / 1000})`, failures: 0, windowStart: sql`now()` })
    .where(pair(username, address))
    .returning();
  return locked.lockedUntil;
}

export async function clearFailures(db: DbOrTx, username: string, address: string) {
  await db.delete(loginThrottle).where(pair(username, address));
}

/** Addresses currently locked out of `username`, for administrators. */
export async function lockouts(db: DbOrTx, username: string): Promise<{ address: string; lockedUntil: Date }[]> {
  const rows = await db
    .select({ address: loginThrottle.address, lockedUntil: loginThrottle.lockedUntil })
    .from(loginThrottle)
    .where(and(eq(loginThrottle.username, username), gt(loginThrottle.lockedUntil, sql`now()`)));
  return rows.map((r) => ({ address: r.address, lockedUntil: r.lockedUntil! }));
}

/** An administrator lifts every lock on `username`; returns how many addresses were locked. */
export async function unlockUser(db: DbOrTx, username: string): Promise<number> {
  const removed = await db
    .delete(loginThrottle)
    .where(eq(loginThrottle.username, username))
    .returning({ address: loginThrottle.address, lockedUntil: loginThrottle.lockedUntil });
  return removed.filter((r) => r.lockedUntil && r.lockedUntil > new Date()).length;
}
