import "server-only";
import { headers } from "next/headers";
import { forbidden, notFound, redirect } from "next/navigation";
import { cache } from "react";
import { TRPCError } from "@trpc/server";
import { PolicyError } from "@/server/auth/policy";
import { createCaller } from "./root";
import { createContext } from "./trpc";
import type { Actor } from "@/server/auth/policy";

const pageContext = cache(async () => createContext({ headers: new Headers(await headers()) }));

/** tRPC called directly from server components, with the request's session. */
export const api = cache(async () => createCaller(await pageContext()));

/**
 * Turns policy denials into the pages people see: a member whose role does not allow the page
 * gets the 403 page; what the caller may not see at all, or a URL segment the schema refuses
 * (an over-long or malformed name), is the 404 page; signed out → login.
 */
export async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof TRPCError && e.code === "FORBIDDEN" && e.cause instanceof PolicyError && e.cause.memberLacksRole) forbiddenBecause(e.message);
    if (e instanceof TRPCError && (e.code === "NOT_FOUND" || e.code === "FORBIDDEN" || e.code === "BAD_REQUEST")) notFound();
    if (e instanceof TRPCError && e.code === "UNAUTHORIZED") redirect("/login");
    throw e;
  }
}

/**
 * forbidden() with the policy's reason ("Developers and leaders of this organization can do
 * this; you are a reporter…") appended to its digest: Next.js still answers 403, and the digest
 * is what reaches the browser, where components/denial-boundary.tsx shows the reason.
 */
function forbiddenBecause(reason: string): never {
  try {
    forbidden();
  } catch (interrupt) {
    const e = interrupt as { digest: string };
    e.digest = `${e.digest};${encodeURIComponent(reason)}`;
    throw interrupt;
  }
}

/** The org page's data, fetched once per request though layout and page both need it. */
export const orgView = cache(async (slug: string) => orNotFound((await api()).orgs.get({ slug })));

/** The request's actor, for pages that ask the policy before rendering anything. */
export const pageActor = async (): Promise<Actor> => (await pageContext()).actor;
