import { getServerSession, type NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db/client";
import { getConfig } from "@/server/config";
import { getUserById, type User } from "@/server/users";
import { authenticate, LoginError } from "./login";
import type { Actor } from "./policy";
import { verifyToken } from "./tokens";

const credentials = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) });

export const authOptions: NextAuthOptions = {
  secret: process.env.AUTH_SECRET,
  session: { strategy: "jwt", maxAge: getConfig().sessionMaxAge },
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Rookery",
      credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
      async authorize(raw) {
        const parsed = credentials.safeParse(raw);
        if (!parsed.success) throw new Error("Invalid username or password");
        try {
          const user = await authenticate(getDb(), parsed.data.username, parsed.data.password);
          return { id: user.id, name: user.displayName, email: user.email };
        } catch (e) {
          if (e instanceof LoginError) throw new Error(e.message);
          console.error("login failed:", e instanceof Error ? e.message : e);
          throw new Error("Sign-in is unavailable right now, try again");
        }
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) token.uid = user.id;
      return token;
    },
    session({ session, token }) {
      (session as { uid?: unknown }).uid = token.uid;
      return session;
    },
  },
};

export function actorFromUser(user: User, tokenScope?: "read" | "write"): Actor {
  return { kind: "user", id: user.id, username: user.username, isAdmin: user.isAdmin, tokenScope };
}

/** The signed-in user of this request (fresh from the database), or null. */
export async function getSessionUser(): Promise<User | null> {
  const session = await getServerSession(authOptions);
  const uid = (session as { uid?: unknown } | null)?.uid;
  if (typeof uid !== "string") return null;
  const user = await getUserById(getDb(), uid);
  return user && !user.disabledAt ? user : null;
}

/**
 * Machine credentials: `Authorization: Bearer <token>` or Basic with username + token
 * or username + password (local accounts; LDAP accounts bind against the directory).
 */
export async function userFromAuthorizationHeader(header: string | null) {
  if (!header) return null;
  const db = getDb();
  const [scheme, value] = header.split(" ", 2);
  if (!value) return null;
  if (scheme.toLowerCase() === "bearer") return verifyToken(db, value.trim());
  if (scheme.toLowerCase() !== "basic") return null;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const sep = decoded.indexOf(":");
  if (sep < 0) return null;
  const username = decoded.slice(0, sep);
  const secret = decoded.slice(sep + 1);
  const viaToken = await verifyToken(db, secret, username);
  if (viaToken) return viaToken;
  try {
    const user = await authenticate(db, username, secret);
    return { user, scope: undefined };
  } catch (e) {
    if (e instanceof LoginError) return null;
    throw e;
  }
}

