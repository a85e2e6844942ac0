import { getServerSession, type NextAuthOptions } from "next-auth";
import { cache } from "react";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db/client";
import { getConfig } from "@/server/config";
import { getUserById, type User } from "@/server/users";
import { clientAddress } from "@/server/security/front-door";
import { authenticate, LoginError } from "./login";

const credentials = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) });

export const authOptions: NextAuthOptions = {
  secret: process.env.AUTH_SECRET,
  session: { strategy: "jwt", maxAge: getConfig().sessionMaxAge },
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Rookery",
      credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
      async authorize(raw, req) {
        const parsed = credentials.safeParse(raw);
        if (!parsed.success) throw new Error("Invalid username or password");
        try {
          const user = await authenticate(getDb(), parsed.data.username, parsed.data.password, clientAddress(req?.headers ?? {}));
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

/** The signed-in user of this request (fresh from the database, once per request), or null. */
export const getSessionUser = cache(async (): Promise<User | null> => {
  const session = await getServerSession(authOptions);
  const uid = (session as { uid?: unknown } | null)?.uid;
  if (typeof uid !== "string") return null;
  const user = await getUserById(getDb(), uid);
  return user && !user.disabledAt ? user : null;
});
