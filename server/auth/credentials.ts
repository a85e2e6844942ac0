import { getDb } from "@/db/client";
import { hasControlChar } from "@/server/security/input";
import type { User } from "@/server/users";
import { authenticate, LoginError } from "./login";
import type { Actor } from "./policy";
import { JOB_TOKEN_PREFIX, verifyJobToken } from "./job-tokens";
import { verifyToken } from "./tokens";

export function actorFromUser(user: User, tokenScope?: "read" | "write"): Actor {
  return { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, tokenScope };
}

/**
 * Machine credentials: `Authorization: Bearer <token>` or Basic with username + token
 * or username + password (local accounts; LDAP accounts bind against the directory).
 */
/** `address`: the client's IP (clientAddress() of the request), which login failures are counted by. */
export async function userFromAuthorizationHeader(header: string | null, address: string) {
  if (!header || hasControlChar(header)) return null;
  const db = getDb();
  const [scheme, value] = header.split(" ", 2);
  if (!value) return null;
  if (scheme.toLowerCase() === "bearer") return verifyToken(db, value.trim());
  if (scheme.toLowerCase() !== "basic") return null;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const sep = decoded.indexOf(":");
  if (sep < 0 || hasControlChar(decoded)) return null;
  const username = decoded.slice(0, sep);
  const secret = decoded.slice(sep + 1);
  const viaToken = await verifyToken(db, secret, username);
  if (viaToken) return viaToken;
  try {
    const user = await authenticate(db, username, secret, address);
    return { user, scope: undefined };
  } catch (e) {
    if (e instanceof LoginError) return null;
    throw e;
  }
}

/** The secret of `Authorization: Bearer <secret>` or the password of Basic, if well-formed. */
function secretOf(header: string): string | null {
  const [scheme, value] = header.split(" ", 2);
  if (!value) return null;
  if (scheme.toLowerCase() === "bearer") return value.trim();
  if (scheme.toLowerCase() !== "basic") return null;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const sep = decoded.indexOf(":");
  return sep < 0 ? null : decoded.slice(sep + 1);
}

/**
 * For the routes a farm job uses (git fetch, the binhost): a user's credentials as
 * userFromAuthorizationHeader, or a running job's ROOKERY_JOB_TOKEN (Basic with any username,
 * e.g. ci-job, or Bearer) as a job actor. Every other route ignores job tokens.
 */
export async function actorFromAuthorizationHeader(header: string | null, address: string): Promise<Actor | null> {
  if (!header || hasControlChar(header)) return null;
  const secret = secretOf(header);
  if (secret?.startsWith(JOB_TOKEN_PREFIX)) return verifyJobToken(getDb(), secret);
  const auth = await userFromAuthorizationHeader(header, address);
  return auth ? actorFromUser(auth.user, auth.scope) : null;
}
