import type { Db } from "@/db/client";
import { notify } from "@/server/notify";
import { setLocalPassword, UserInputError, type User } from "@/server/users";
import { passwordProblem, verifyPassword } from "./password";
import { clearFailures, lockedUntil, recordFailure } from "./throttle";

/** Wrong current passwords count on their own, apart from any address's login failures. */
const PASSWORD_CHANGE = "(password change)";

export const WRONG_CURRENT_PASSWORD = "Current password is incorrect";

/**
 * A signed-in local user changes their own password. Wrong current passwords count
 * towards the login lockout, so a hijacked session cannot be used to guess it.
 */
export async function changeOwnPassword(db: Db, user: User, input: { current: string; password: string; confirm: string }) {
  if (user.source !== "local" || !user.passwordHash) throw new UserInputError("current", "Your password is managed by the directory (LDAP); change it there");
  if (input.password !== input.confirm) throw new UserInputError("confirm", "Passwords do not match");
  const problem = passwordProblem(input.password, user.username);
  if (problem) throw new UserInputError("password", problem);

  const locked = await lockedUntil(db, user.username, PASSWORD_CHANGE);
  if (locked) {
    const minutes = Math.max(1, Math.ceil((locked.getTime() - Date.now()) / 60000));
    throw new UserInputError("current", `Too many failed attempts: try again in ${minutes} minute${minutes === 1 ? "" : "s"}`);
  }
  if (!(await verifyPassword(input.current, user.passwordHash))) {
    await recordFailure(db, user.username, PASSWORD_CHANGE);
    throw new UserInputError("current", WRONG_CURRENT_PASSWORD);
  }
  await clearFailures(db, user.username, PASSWORD_CHANGE);
  if (input.password === input.current) throw new UserInputError("password", "Choose a password different from the current one");

  await db.transaction(async (tx) => {
    await setLocalPassword(tx, user.username, input.password);
    await notify(tx, {
      userIds: [user.id],
      kind: "security.password_changed",
      title: "Your password was changed",
      body: "The password of your Rookery account was just changed. If this was not you, contact an administrator immediately.",
      link: "/settings",
    });
  });
}
