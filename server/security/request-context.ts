import { randomBytes } from "node:crypto";

/**
 * Why a page answered 403, from the code that refused (server/api/server.ts) to app/forbidden.tsx,
 * which renders apart from it: neither React's per-render cache nor an AsyncLocalStorage reaches
 * there. The front door gives every request an id header; the reason waits under that id, briefly.
 */
export const REQUEST_ID_HEADER = "x-rookery-request-id";

export function newRequestId(): string {
  return randomBytes(12).toString("base64url");
}

type Denial = { reason: string; at: number };
const shared = globalThis as typeof globalThis & { rookeryDenials?: Map<string, Denial> };
const denials = (shared.rookeryDenials ??= new Map<string, Denial>());
const KEEP_MS = 30_000;

export function rememberDenial(requestId: string, reason: string) {
  const now = Date.now();
  for (const [id, d] of denials) if (now - d.at > KEEP_MS) denials.delete(id);
  denials.set(requestId, { reason, at: now });
}

export function takeDenial(requestId: string | null): string | null {
  if (!requestId) return null;
  const d = denials.get(requestId);
  denials.delete(requestId);
  return d?.reason ?? null;
}
