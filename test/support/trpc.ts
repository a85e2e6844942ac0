import { TRPCError } from "@trpc/server";
import type { Db } from "@/db/client";
import { createCaller } from "@/server/api/root";
import { actorFromUser } from "@/server/auth/credentials";
import type { User } from "@/server/users";

/**
 * `as(user)` → a tRPC caller for the whole app router acting as `user` (null: anonymous).
 * A fresh context per call, as each HTTP request gets one.
 */
export function callerAs(db: () => Db) {
  return (user: User | null) => createCaller({ db: db(), user, actor: user ? actorFromUser(user) : { kind: "anonymous" }, audit: {} });
}

/** Awaits a call: "ok", or the TRPCError code it failed with (other errors are rethrown). */
export async function trpcCode(p: Promise<unknown>) {
  try {
    await p;
    return "ok";
  } catch (e) {
    if (e instanceof TRPCError) return e.code;
    throw e;
  }
}
