import "server-only";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { TRPCError } from "@trpc/server";
import { createCaller } from "./root";
import { createContext } from "./trpc";

/** tRPC called directly from server components, with the request's session. */
export const api = cache(async () => createCaller(await createContext({ headers: new Headers(await headers()) })));

/**
 * Turns policy denials into the 404 page / login redirect that pages show. A URL segment the
 * schema refuses (an over-long or malformed name) names nothing that exists: 404 as well.
 */
export async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof TRPCError && (e.code === "NOT_FOUND" || e.code === "FORBIDDEN" || e.code === "BAD_REQUEST")) notFound();
    if (e instanceof TRPCError && e.code === "UNAUTHORIZED") redirect("/login");
    throw e;
  }
}

/** The org page's data, fetched once per request though layout and page both need it. */
export const orgView = cache(async (slug: string) => orNotFound((await api()).orgs.get({ slug })));
