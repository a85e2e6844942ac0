import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { webhookDeliveries, webhooks } from "@/db/schema";
import { decrypt, encrypt } from "@/server/crypto";
import { webhookEvents, type WebhookEvent } from "./events";
import { InputError } from "@/server/errors";

export type Webhook = typeof webhooks.$inferSelect;
/** A repository's hooks (repoId set) or an organization's (repoId null). */
export type HookScope = { orgId: string; repoId: string | null };

export class WebhookInputError extends InputError {}

const SECRET_CONTEXT = "webhook-secret";

/**
 * Targets are chosen by leaders, so any http(s) URL is allowed — including hosts on the
 * portal's own network (CI servers usually are). Operators who need to fence that in do it
 * with an egress firewall or proxy for the portal (README, "Webhooks").
 */
export function normalizeHookUrl(raw: string): string {
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WebhookInputError("url", "Enter a full URL, e.g. https://ci.example.com/hooks/rookery");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new WebhookInputError("url", "Only http:// and https:// URLs are supported");
  if (!url.hostname) throw new WebhookInputError("url", "The URL needs a host");
  if (url.username || url.password) throw new WebhookInputError("url", "Don't put credentials in the URL: use the secret token");
  if (value.length > 2000) throw new WebhookInputError("url", "The URL is too long (2,000 characters at most)");
  return url.toString();
}

function normalizeEvents(events: string[]): WebhookEvent[] {
  const chosen = webhookEvents.filter((e) => events.includes(e));
  if (!chosen.length) throw new WebhookInputError("events", "Choose at least one event");
  return chosen;
}

function normalizeSecret(secret: string): string {
  if (secret.length > 1000) throw new WebhookInputError("secret", "The secret is too long (1,000 characters at most)");
  return encrypt(secret, SECRET_CONTEXT);
}

export function hookSecret(hook: Pick<Webhook, "secretEncrypted">): string | null {
  return hook.secretEncrypted ? decrypt(hook.secretEncrypted, SECRET_CONTEXT) : null;
}

const scopeWhere = (scope: HookScope) => and(eq(webhooks.orgId, scope.orgId), scope.repoId ? eq(webhooks.repoId, scope.repoId) : isNull(webhooks.repoId));

export async function createHook(
  db: DbOrTx,
  scope: HookScope,
  input: { url: string; secret?: string | null; events: string[]; active?: boolean; createdBy?: string | null },
): Promise<Webhook> {
  const [hook] = await db
    .insert(webhooks)
    .values({
      orgId: scope.orgId,
      repoId: scope.repoId,
      url: normalizeHookUrl(input.url),
      secretEncrypted: input.secret ? normalizeSecret(input.secret) : null,
      events: normalizeEvents(input.events),
      active: input.active ?? true,
      createdBy: input.createdBy ?? null,
    })
    .returning();
  return hook;
}

/** `secret`: undefined keeps it, null or "" removes it, a string replaces it. */
export async function updateHook(
  db: DbOrTx,
  scope: HookScope,
  id: string,
  input: { url?: string; secret?: string | null; events?: string[]; active?: boolean },
): Promise<Webhook | null> {
  const set: Partial<typeof webhooks.$inferInsert> = { updatedAt: new Date() };
  if (input.url !== undefined) set.url = normalizeHookUrl(input.url);
  if (input.events !== undefined) set.events = normalizeEvents(input.events);
  if (input.active !== undefined) set.active = input.active;
  if (input.secret !== undefined) set.secretEncrypted = input.secret ? normalizeSecret(input.secret) : null;
  const [hook] = await db
    .update(webhooks)
    .set(set)
    .where(and(eq(webhooks.id, id), scopeWhere(scope)))
    .returning();
  return hook ?? null;
}

export async function deleteHook(db: DbOrTx, scope: HookScope, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhooks)
    .where(and(eq(webhooks.id, id), scopeWhere(scope)))
    .returning({ id: webhooks.id });
  return rows.length > 0;
}

export async function getHook(db: DbOrTx, scope: HookScope, id: string): Promise<Webhook | null> {
  const [hook] = await db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), scopeWhere(scope)))
    .limit(1);
  return hook ?? null;
}

export async function getHookById(db: DbOrTx, id: string): Promise<Webhook | null> {
  const [hook] = await db.select().from(webhooks).where(eq(webhooks.id, id)).limit(1);
  return hook ?? null;
}

/** What pages may show of a hook: never the secret, only whether there is one. */
export function publicHook(hook: Webhook) {
  return {
    id: hook.id,
    orgId: hook.orgId,
    repoId: hook.repoId,
    url: hook.url,
    events: hook.events as WebhookEvent[],
    active: hook.active,
    hasSecret: hook.secretEncrypted !== null,
    createdAt: hook.createdAt,
    updatedAt: hook.updatedAt,
  };
}
export type PublicHook = ReturnType<typeof publicHook>;

/** The hooks of a scope with their latest delivery, oldest hook first. */
export async function listHooks(db: DbOrTx, scope: HookScope) {
  const latest = db
    .select({
      hookId: webhookDeliveries.hookId,
      status: webhookDeliveries.status,
      responseStatus: webhookDeliveries.responseStatus,
      createdAt: webhookDeliveries.createdAt,
      rn: sql<number>`row_number() over (partition by ${webhookDeliveries.hookId} order by ${webhookDeliveries.createdAt} desc)`.as("rn"),
    })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.hookId))
    .where(scopeWhere(scope))
    .as("latest");
  const rows = await db
    .select({ hook: webhooks, status: latest.status, responseStatus: latest.responseStatus, at: latest.createdAt })
    .from(webhooks)
    .leftJoin(latest, and(eq(latest.hookId, webhooks.id), eq(latest.rn, 1)))
    .where(scopeWhere(scope))
    .orderBy(webhooks.createdAt, webhooks.id);
  return rows.map((r) => ({
    ...publicHook(r.hook),
    lastDelivery: r.status ? { status: r.status, responseStatus: r.responseStatus, createdAt: r.at! } : null,
  }));
}

/** Active hooks subscribed to `event` for a repository: its own and its organization's. */
export async function hooksFor(db: DbOrTx, repo: { id: string; orgId: string }, event: WebhookEvent) {
  return db
    .select()
    .from(webhooks)
    .where(
      and(
        eq(webhooks.orgId, repo.orgId),
        eq(webhooks.active, true),
        sql`${event} = any(${webhooks.events})`,
        sql`(${webhooks.repoId} = ${repo.id} or ${webhooks.repoId} is null)`,
      ),
    )
    .orderBy(desc(webhooks.repoId), webhooks.createdAt);
}
