import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { users } from "@/db/schema";
import { UserInputError, type User } from "./index";

/** Local users edit their own name and email; directory users' profiles come from LDAP. */
export async function updateOwnProfile(db: DbOrTx, user: User, input: { displayName: string; email: string | null }) {
  if (user.source !== "local")
    throw new UserInputError("displayName", "Your profile is managed by the directory (LDAP) and updated at sign-in and sync");
  const displayName = input.displayName.trim();
  if (!displayName) throw new UserInputError("displayName", "Name is required");
  await db
    .update(users)
    .set({ displayName, email: input.email?.trim() || null, updatedAt: new Date() })
    .where(eq(users.id, user.id));
}
