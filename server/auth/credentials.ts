import { getDb } from "@/db/client";
import { hasControlChar } from "@/server/security/input";
import type { User } from "@/server/users";
import { authenticate, LoginError } from "./login";
import type { Actor } from "./policy";
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
