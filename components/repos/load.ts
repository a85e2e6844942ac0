import "server-only";
import { notFound } from "next/navigation";
import { TRPCError } from "@trpc/server";
import { orNotFound } from "@/server/api/server";

/** Page-level calls: denials and input that cannot name anything (bad paths) become the 404 page. */
export async function loadOr404<T>(p: Promise<T>): Promise<T> {
  try {
    return await orNotFound(p);
  } catch (e) {
    if (e instanceof TRPCError && e.code === "BAD_REQUEST") notFound();
    throw e;
  }
}

/** URL segments, encoded one by one (slashes in branch names and paths stay). */
export const encodeSegments = (p: string) => p.split("/").map(encodeURIComponent).join("/");
