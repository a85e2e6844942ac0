import type { DbOrTx } from "@/db/client";
import type { Identity } from "@/server/git/plumbing/commit";
import { botGitIdentity, ensureBotAccount, type Bot } from "@/server/users/bots";
import type { User } from "@/server/users";

export const TREE_BOT_USERNAME = "portage-tree";
export const TREE_BOT_NAME = "Rookery Portage Tree";
const treeBot: Bot = { username: TREE_BOT_USERNAME, name: TREE_BOT_NAME, purpose: "the portage tree's merge requests can have it" };

/** The bot's git identity, the committer of cherry-picks (their authors stay upstream's). */
export function treeBotIdentity(): Identity {
  return botGitIdentity(treeBot);
}

/**
 * The `portage-tree` account (server/users/bots.ts), the author of the merge requests Rookery
 * opens for the portage tree ("Promote", "Cherry-pick"): their changes are upstream's (or
 * already merged on development), not the administrator's who pressed the button, so that
 * person may approve and merge them, even as the only administrator
 * (server/auth/policies/merge-request.ts). It has no membership: it can approve or merge nothing.
 */
export function ensureTreeBot(db: DbOrTx): Promise<User> {
  return ensureBotAccount(db, treeBot);
}
