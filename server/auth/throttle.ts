import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { loginThrottle } from "@/db/schema";

export const MAX_FAILURES = 5;
export const WINDOW_MS = 10 * 60 * 1000;
export const LOCK_MS = 10 * 60 * 1000;

/** The time the lock ends, or null when the username may try. */
export async function lockedUntil(db: DbOrTx, username: string, now = new Date()): Promise<Date | null> {
  const [row] = await db.select().from(loginThrottle).where(eq(loginThrottle.username, username));
  return row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null;
}

/** Counts a failure inside the rolling window; returns the lock end when this one locks. */
export async function recordFailure(db: DbOrTx, username: string): Promise<Date | null> {
  const expired = sql`${loginThrottle.windowStart} < now() - make_interval(secs => ${WINDOW_MS / 1000})`;
  const [row] = await db
    .insert(loginThrottle)
    .values({ username, failures: 1 })
    .onConflictDoUpdate({
      target: loginThrottle.username,
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
    .where(eq(loginThrottle.username, username))
    .returning();
  return locked.lockedUntil;
}

export async function clearFailures(db: DbOrTx, username: string) {
  await db.delete(loginThrottle).where(eq(loginThrottle.username, username));
}
