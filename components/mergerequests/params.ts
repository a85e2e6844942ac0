import "server-only";
import { notFound } from "next/navigation";

/** The `[number]` route param as a merge request number, or the 404 page. */
export function mrNumber(s: string) {
  const n = Number(s);
  return Number.isInteger(n) && n >= 1 && n <= 10_000_000 ? n : notFound();
}
