import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { users } from "@/db/schema";
import { getConfig } from "@/server/config";
import { StateError } from "@/server/errors";
import type { Identity } from "@/server/git/plumbing/commit";
import type { User } from "./index";

/** A bot's user name is taken by a person, or its account is disabled. */
export class BotAccountStateError extends StateError {}

export type Bot = {
  username: string;
  /** display name and git author/committer name, e.g. "Rookery Tinderbox" */
  name: string;
  /** ends "…: rename that account so <purpose>", e.g. "the tinderbox can have it" */
  purpose: string;
};

/** The bot's git identity, `<name> <username@portal host>`. */
export function botGitIdentity(bot: Bot): Identity {
  return { name: bot.name, email: `${bot.username}@${new URL(getConfig().publicUrl).hostname}` };
}

/**
 * A bot's account, created once: local, without a password (sign-in refuses it, it never has
 * a session), never an administrator. A person who already has the user name is never taken
 * over; a disabled bot stays disabled until an administrator re-enables it.
 */
export async function ensureBotAccount(db: DbOrTx, bot: Bot): Promise<User> {
  await db
    .insert(users)
    .values({ username: bot.username, displayName: bot.name, email: botGitIdentity(bot).email, source: "local", passwordHash: null })
    .onConflictDoNothing({ target: users.username });
  const [account] = await db.select().from(users).where(eq(users.username, bot.username));
  if (account.source !== "local" || account.passwordHash !== null || account.isAdmin)
    throw new BotAccountStateError(`the user name ${bot.username} belongs to a person: rename that account so ${bot.purpose}`);
  if (account.disabledAt) throw new BotAccountStateError(`the ${bot.username} account is disabled: an administrator re-enables it in Admin → Users`);
  return account;
}
