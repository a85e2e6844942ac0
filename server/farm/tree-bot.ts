import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { users } from "@/db/schema";
import { getConfig } from "@/server/config";
import { StateError } from "@/server/errors";
import type { Identity } from "@/server/git/plumbing/commit";
import type { User } from "@/server/users";

export const TREE_BOT_USERNAME = "portage-tree";
export const TREE_BOT_NAME = "Rookery Portage Tree";

export class TreeBotStateError extends StateError {}

/** The bot's git identity, the committer of cherry-picks (their authors stay upstream's). */
export function treeBotIdentity(): Identity {
  return { name: TREE_BOT_NAME, email: `${TREE_BOT_USERNAME}@${new URL(getConfig().publicUrl).hostname}` };
}

/**
 * The `portage-tree` account, created once, the author of the merge requests Rookery opens
 * for the portage tree ("Promote", "Cherry-pick"): their changes are upstream's (or already
 * merged on development), not the administrator's who pressed the button, so that person may
 * approve and merge them, even as the only administrator (server/auth/policies/merge-request.ts).
 * A local account without a password (sign-in refuses it, it never has a session) and no
 * membership: it can approve or merge nothing. A person already called `portage-tree` is
 * never taken over.
 */
export async function ensureTreeBot(db: DbOrTx): Promise<User> {
  await db
    .insert(users)
    .values({ username: TREE_BOT_USERNAME, displayName: TREE_BOT_NAME, email: treeBotIdentity().email, source: "local", passwordHash: null })
    .onConflictDoNothing({ target: users.username });
  const [bot] = await db.select().from(users).where(eq(users.username, TREE_BOT_USERNAME));
  if (bot.source !== "local" || bot.passwordHash !== null || bot.isAdmin)
    throw new TreeBotStateError(`the user name ${TREE_BOT_USERNAME} belongs to a person: rename that account so the portage tree's merge requests can have it`);
  if (bot.disabledAt) throw new TreeBotStateError(`the ${TREE_BOT_USERNAME} account is disabled: an administrator re-enables it in Admin → Users`);
  return bot;
}
