import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships } from "@/db/schema";
import { recordAudit } from "@/server/audit";
import type { Actor } from "@/server/auth/policy";
import type { Identity } from "@/server/git/plumbing/commit";
import type { User } from "@/server/users";
import { botGitIdentity, ensureBotAccount, type Bot } from "@/server/users/bots";

export const BOT_USERNAME = "tinderbox";
export const BOT_NAME = "Rookery Tinderbox";

const tinderboxBot: Bot = { username: BOT_USERNAME, name: BOT_NAME, purpose: "the tinderbox can have it" };

/** The bot's git identity: `Signed-off-by: Rookery Tinderbox <tinderbox@host>`. */
export function botIdentity(): Identity {
  return botGitIdentity(tinderboxBot);
}

/**
 * The `tinderbox` account (server/users/bots.ts), a developer of each organization it serves —
 * so it reads that organization's repositories and pushes feature/* branches there, and
 * nothing elsewhere.
 */
export async function ensureTinderboxBot(db: DbOrTx, orgId: string): Promise<User> {
  const bot = await ensureBotAccount(db, tinderboxBot);
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
