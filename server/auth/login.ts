import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { getConfig } from "@/server/config";
import { DirectoryUnavailableError, ldapAuthenticate } from "@/server/ldap/client";
import { syncMembershipsAtLogin } from "@/server/ldap/sync";
import { getUserByUsername, normalizeUsername, touchLogin, upsertLdapUser, type User } from "@/server/users";
import { hasControlChar } from "@/server/security/input";
import { recordAudit } from "@/server/audit";
import { hashPassword, verifyPassword } from "./password";
import { clearFailures, lockedUntil, recordFailure } from "./throttle";
import { CredentialsError } from "@/server/errors";

export const INVALID_CREDENTIALS = "Invalid username or password";
export const DIRECTORY_UNAVAILABLE = "Directory unavailable, try again";

export class LoginError extends CredentialsError {}

function lockMessage(until: Date, now = new Date()) {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60000));
  return `Too many failed attempts: this account is locked for ${minutes} minute${minutes === 1 ? "" : "s"}. Try again later.`;
}

// Checked against when there is no local password to check, so that an unknown name costs
// the same scrypt as a known one and timing does not tell which names exist.
let dummyHash: Promise<string> | null = null;
const standIn = () => (dummyHash ??= hashPassword(randomBytes(16).toString("hex")));

/**
 * Local accounts first (they work without a directory), then LDAP. Every failure is
 * counted per username (known or not, so the lockout reveals nothing either) and source
 * address (so a stranger cannot lock the owner out; see throttle.ts).
 */
export async function authenticate(db: Db, rawUsername: string, password: string, address: string): Promise<User> {
  const username = normalizeUsername(rawUsername);
  if (!username || username.length > 128 || !password || hasControlChar(username) || hasControlChar(password)) throw new LoginError(INVALID_CREDENTIALS);
  const locked = await lockedUntil(db, username, address);
  if (locked) throw new LoginError(lockMessage(locked));

  const existing = await getUserByUsername(db, username);
  let user: User | null = null;
  if (existing?.source === "local") {
    if (await verifyPassword(password, existing.passwordHash ?? (await standIn()))) user = existing.passwordHash ? existing : null;
  } else {
    await verifyPassword(password, await standIn());
    const ldap = getConfig().ldap;
    if (ldap) {
      try {
        const found = await ldapAuthenticate(ldap, username, password);
        if (found) {
          user = (await upsertLdapUser(db, found)).user;
          // Their organizations now, not at the next scheduled sync; a failure here must not stop the sign-in.
          await syncMembershipsAtLogin(db, user).catch((e) => console.error(`LDAP memberships of ${username} at sign-in:`, e instanceof Error ? e.message : e));
        }
      } catch (e) {
        if (e instanceof DirectoryUnavailableError) throw new LoginError(DIRECTORY_UNAVAILABLE);
        throw e;
      }
    }
  }

  if (!user || user.disabledAt) {
    const lockedNow = await recordFailure(db, username, address);
    if (lockedNow)
      await recordAudit(db, {
        actor: { kind: "anonymous" },
        action: "auth.lockout",
        targetType: "user",
        targetId: username,
        outcome: "denied",
        details: { address, until: lockedNow.toISOString() },
      });
    throw new LoginError(lockedNow ? lockMessage(lockedNow) : INVALID_CREDENTIALS);
  }
  await clearFailures(db, username, address);
  await touchLogin(db, user.id);
  return user;
}
