import { z } from "zod";
import { getDb } from "@/db/client";
import { roleOf } from "@/server/orgs";
import { getUserById } from "@/server/users";
import { finishPush, recordPush } from "./events";
import { pushIdOf, verifyTicket } from "./hooks";
import { crashPoint } from "@/server/intents";
import { checkPush } from "@/server/auth/policies/push";
import { actorFromUser } from "@/server/auth/credentials";
import { getRepoById, listProtections } from "./repos";

const sha = z.string().regex(/^[0-9a-f]{40,64}$/);
const body = z.object({
  updates: z.array(z.object({ ref: z.string().min(1).max(1024), oldSha: sha, newSha: sha, forced: z.boolean().optional() })).max(10_000),
});

/** Resolves the hook's ticket and body; a bad ticket is refused, so hooks can't be called from outside. */
async function parse(req: Request) {
  const ticket = verifyTicket(req.headers.get("x-rookery-ticket"));
  const parsed = body.safeParse(await req.json().catch(() => null));
  if (!ticket || !parsed.success) return null;
  const db = getDb();
  const [user, repo] = await Promise.all([getUserById(db, ticket.userId), getRepoById(db, ticket.repoId)]);
  if (!user || user.disabledAt || !repo) return null;
  return { db, user, repo, updates: parsed.data.updates, pushId: pushIdOf(req.headers.get("x-rookery-ticket")!) };
}

export async function preReceive(req: Request) {
  const ctx = await parse(req);
  if (!ctx) return Response.json({ ok: false, messages: ["Rookery refused this push: invalid or expired push ticket"] }, { status: 403 });
  const role = await roleOf(ctx.db, ctx.repo.orgId, ctx.user.id);
  const protections = await listProtections(ctx.db, ctx.repo.id);
  const scope = { id: ctx.repo.orgId, archived: ctx.repo.orgArchived, role };
  const decision = checkPush(ctx.repo, { actor: actorFromUser(ctx.user), scope }, protections, ctx.updates);
  // Allowed: git moves the refs once we answer, so the push's after-work is recorded first.
  if (decision.ok) await recordPush(ctx.db, ctx.pushId, ctx.repo, ctx.updates, ctx.user.id);
  crashPoint("push:after-intent");
  return Response.json(decision);
}

export async function postReceive(req: Request) {
  const ctx = await parse(req);
  if (!ctx) return Response.json({ ok: false }, { status: 403 });
  crashPoint("push:after-ref-update");
  await finishPush(ctx.db, ctx.pushId, ctx.repo, ctx.updates, ctx.user);
  return Response.json({ ok: true });
}
