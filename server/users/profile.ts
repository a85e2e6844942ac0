import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { users } from "@/db/schema";
import { UserInputError, type User } from "./index";

type Profile = { displayName: string; email: string | null };

/** Local users edit their own name and email; directory users' profiles come from LDAP. */
export async function updateOwnProfile(db: DbOrTx, user: User, input: Profile) {
  await writeProfile(db, user, input, "Your profile is managed by the directory (LDAP) and updated at sign-in and sync");
}

/**
 * Name and e-mail of a local account, by its owner or an administrator; `directoryMessage`
 * is what a directory account is told (its profile follows LDAP).
 */
export async function writeProfile(db: DbOrTx, user: User, input: Profile, directoryMessage: string): Promise<User> {
  if (user.source !== "local") throw new UserInputError("displayName", directoryMessage);
  const displayName = input.displayName.trim();
  if (!displayName) throw new UserInputError("displayName", "Name is required");
  const [updated] = await db
    .update(users)
    .set({ displayName, email: input.email?.trim() || null, updatedAt: new Date() })
    .where(eq(users.id, user.id))
    .returning();
  return updated;
}
