import "server-only";
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { orNotFound } from "@/server/api/server";
import { decodeUrlSegments } from "@/server/git/plumbing/browse";

/**
 * Page-level calls of the code browser: denials become the 404 page (via orNotFound), and
 * so does input that cannot name anything (over-long or malformed refs and paths).
 */
export async function load<T>(p: Promise<T>): Promise<T> {
  try {
    return await orNotFound(p);
  } catch (e) {
    if (e instanceof TRPCError && e.code === "BAD_REQUEST") notFound();
    throw e;
  }
}

/** A catch-all route param as names (decoded once), or the 404 page. */
export function segmentsParam(segments: string[]): string[] {
  return decodeUrlSegments(segments) ?? notFound();
}

/** `?name=` of links to entries whose names are not UTF-8: hex or nothing. */
export function rawNameParam(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^(?:[0-9a-f]{2}){1,1024}$/.test(v)) notFound();
  return v;
}

export function pageParam(v: string | string[] | undefined): number {
  const n = typeof v === "string" ? Number(v) : 1;
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}
