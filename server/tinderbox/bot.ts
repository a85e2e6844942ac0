import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, users } from "@/db/schema";
import { recordAudit } from "@/server/audit";
import type { Actor } from "@/server/auth/policy";
import { getConfig } from "@/server/config";
import type { Identity } from "@/server/git/plumbing/commit";
import type { User } from "@/server/users";
import { TinderboxStateError } from "./errors";

export const BOT_USERNAME = "tinderbox";
export const BOT_NAME = "Rookery Tinderbox";

/** The bot's git identity: `Signed-off-by: Rookery Tinderbox <tinderbox@host>`. */
export function botIdentity(): Identity {
  return { name: BOT_NAME, email: `${BOT_USERNAME}@${new URL(getConfig().publicUrl).hostname}` };
}

/**
 * The `tinderbox` account, created once: a local account without a password (sign-in refuses
 * it, it has no session), a developer of each organization it serves — so it reads that
 * organization's repositories and pushes feature/* branches there, and nothing elsewhere.
 * A person already called `tinderbox` is never taken over.
 */
export async function ensureTinderboxBot(db: DbOrTx, orgId: string): Promise<User> {
  await db
    .insert(users)
    .values({ username: BOT_USERNAME, displayName: BOT_NAME, email: botIdentity().email, source: "local", passwordHash: null })
    .onConflictDoNothing({ target: users.username });
  const [bot] = await db.select().from(users).where(eq(users.username, BOT_USERNAME));
  if (bot.source !== "local" || bot.passwordHash !== null || bot.isAdmin)
    throw new TinderboxStateError(`the user name ${BOT_USERNAME} belongs to a person: rename that account so the tinderbox can have it`);
  if (bot.disabledAt) throw new TinderboxStateError(`the ${BOT_USERNAME} account is disabled: an administrator re-enables it in Admin → Users`);
  const [member] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, bot.id)));
  if (!member) {
    const added = await db.insert(memberships).values({ orgId, userId: bot.id, role: "developer", source: "local" }).onConflictDoNothing().returning();
    if (added.length)
      await recordAudit(db, {
        actor: { kind: "system", name: BOT_USERNAME },
        action: "org:add-member",
        orgId,
        targetType: "user",
        targetId: BOT_USERNAME,
        outcome: "success",
        details: { role: "developer", reason: "the tinderbox serves this organization" },
      });
  }
  return bot;
}

/** The bot as an actor for the policy (what it may read is what a developer of its organizations may). */
export function botActor(bot: User): Actor {
  return { kind: "user", id: bot.id, username: bot.username, isAdmin: false, tokenScope: "write" };
}
