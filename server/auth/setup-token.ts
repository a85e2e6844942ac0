import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Until the first administrator exists, /setup needs this token: `npm start` prints the link
 * with it on the console (as Grafana and Jupyter do), so nobody else on the network can claim
 * the instance first. Derived from AUTH_SECRET, so every web process agrees without storing it.
 */
export function setupTokenFor(authSecret: string): string {
  return createHmac("sha256", authSecret).update("rookery first-admin setup").digest("base64url").slice(0, 32);
}

export function setupToken(): string {
  const secret = process.env.AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set (the start script sets it)");
  return setupTokenFor(secret);
}

export function isSetupToken(given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(setupToken());
  return a.length === b.length && timingSafeEqual(a, b);
}
