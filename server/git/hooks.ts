import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Repos get small sh hooks that exec the Node scripts in server/git/hooks/. The scripts
 * call back into the portal (policy and protection live there), authenticated by a
 * short-lived ticket that the smart-HTTP handler signs for the pushing user.
 */
const hookNames = ["pre-receive", "post-receive"] as const;

export function installHooks(repoDir: string) {
  for (const name of hookNames) {
    const script = [
      "#!/bin/sh",
      `# Installed by Rookery: branch protection and events are decided by the portal.`,
      'if [ -z "$ROOKERY_HOOKS_DIR" ]; then',
      '  echo "Pushes must go through Rookery (http(s)://HOST/git/ORG/REPO.git)." >&2',
      "  exit 1",
      "fi",
      `exec "\${ROOKERY_NODE:-node}" "$ROOKERY_HOOKS_DIR/${name}.mjs"`,
      "",
    ].join("\n");
    fs.writeFileSync(path.join(repoDir, "hooks", name), script, { mode: 0o755 });
  }
}

export function hooksDir() {
  return path.join(process.env.ROOKERY_APP_DIR || process.cwd(), "server/git/hooks");
}

type Ticket = { u: string; r: string; e: number; n?: string };

function secret() {
  const s = process.env.AUTH_SECRET;
  if (!s) throw new Error("AUTH_SECRET is not set");
  return s;
}

function sign(payload: string) {
  return createHmac("sha256", secret()).update(`git-hook:${payload}`).digest("base64url");
}

/** A ticket naming the pushing user and the repo, valid for the push's lifetime; unique per push (its nonce). */
export function issueTicket(userId: string, repoId: string, ttlSeconds = 3600) {
  const t: Ticket = { u: userId, r: repoId, e: Math.floor(Date.now() / 1000) + ttlSeconds, n: randomBytes(9).toString("base64url") };
  const payload = Buffer.from(JSON.stringify(t)).toString("base64url");
  return `${payload}.${sign(payload)}`;
}

export function verifyTicket(ticket: string | null): { userId: string; repoId: string } | null {
  if (!ticket) return null;
  const [payload, mac] = ticket.split(".");
  if (!payload || !mac) return null;
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const t = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Ticket;
  if (t.e < Date.now() / 1000) return null;
  return { userId: t.u, repoId: t.r };
}

/** The push a ticket was issued for, as a UUID: the subject of its intent (docs/intents.md). */
export function pushIdOf(ticket: string) {
  const h = createHash("sha256").update(ticket).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
