import { createHmac, randomUUID } from "node:crypto";
import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import { getDb, type DbOrTx } from "@/db/client";
import { webhookDeliveries, webhookDeliveryAttempts, webhooks } from "@/db/schema";
import { queues, type JobData } from "@/server/jobs";
import { enqueueWith } from "@/server/jobs/transactional";
import type { WebhookEvent } from "./events";
import { hookSecret, hooksFor, type Webhook } from "./hooks";

export type Delivery = typeof webhookDeliveries.$inferSelect;
export type DeliveryAttempt = typeof webhookDeliveryAttempts.$inferSelect;

/** 5 attempts, 10 s · 2^n backoff (≈ 10 s, 20 s, 40 s, 80 s apart), 10 s timeout each. */
export const DELIVERY_DEFAULTS = { maxAttempts: 5, retryDelaySeconds: 10, timeoutMs: 10_000 };
export const RESPONSE_EXCERPT_BYTES = 2048;
const USER_AGENT = "Rookery-Webhook/1";

export type DeliveryOptions = { maxAttempts?: number; retryDelaySeconds?: number };

export function signBody(secret: string, body: string) {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

function requestHeaders(hook: Webhook, deliveryId: string, event: WebhookEvent, body: string): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "User-Agent": USER_AGENT,
    "X-Rookery-Event": event,
    "X-Rookery-Delivery": deliveryId,
    "X-Rookery-Hook-Id": hook.id,
  };
  const secret = hookSecret(hook);
  if (secret) headers["X-Rookery-Signature"] = signBody(secret, body);
  return headers;
}

async function insertDeliveries(
  tx: DbOrTx,
  items: { hook: Webhook; event: WebhookEvent; body: string; trigger: "event" | "test" | "redeliver"; redeliveryOf?: string }[],
  maxAttempts: number,
) {
  if (!items.length) return [];
  return tx
    .insert(webhookDeliveries)
    .values(
      items.map(({ hook, event, body, trigger, redeliveryOf }) => {
        const id = randomUUID();
        return { id, hookId: hook.id, event, trigger, redeliveryOf, requestHeaders: requestHeaders(hook, id, event, body), requestBody: body, maxAttempts };
      }),
    )
    .returning();
}

async function enqueueDeliveries(tx: DbOrTx, deliveries: Delivery[], opts: DeliveryOptions) {
  const maxAttempts = opts.maxAttempts ?? DELIVERY_DEFAULTS.maxAttempts;
  await enqueueWith(
    tx,
    queues.webhookDelivery,
    deliveries.map((d) => ({ deliveryId: d.id })),
    { retryLimit: maxAttempts - 1, retryDelay: opts.retryDelaySeconds ?? DELIVERY_DEFAULTS.retryDelaySeconds, retryBackoff: true, expireInSeconds: 60 },
  );
}

/**
 * THE entry point for features that fire webhooks (pushes, merge requests, builds): one
 * delivery per active hook of the repo or its org subscribed to `event`, queued for the
 * `webhook-delivery` job in the caller's transaction (or a new one). Returns the delivery ids.
 */
export async function emitRepoEvent(
  db: DbOrTx,
  repo: { id: string; orgId: string },
  event: WebhookEvent,
  payload: object,
  opts: DeliveryOptions = {},
): Promise<string[]> {
  const hooks = await hooksFor(db, repo, event);
  if (!hooks.length) return [];
  const body = JSON.stringify(payload);
  return db.transaction(async (tx) => {
    const deliveries = await insertDeliveries(
      tx,
      hooks.map((hook) => ({ hook, event, body, trigger: "event" as const })),
      opts.maxAttempts ?? DELIVERY_DEFAULTS.maxAttempts,
    );
    await enqueueDeliveries(tx, deliveries, opts);
    return deliveries.map((d) => d.id);
  });
}

async function readExcerpt(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES));
}

function describeError(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return `Timed out after ${timeoutMs / 1000} s`;
  const cause = err?.cause;
  if (cause?.code) return `${cause.message ?? err.message} (${cause.code})`;
  return cause?.message ?? err?.message ?? String(e);
}

/** One HTTP POST, never throwing: the outcome is data for the log. */
export async function send(url: string, headers: Record<string, string>, body: string, timeoutMs = DELIVERY_DEFAULTS.timeoutMs) {
  const started = performance.now();
  try {
    const res = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    const responseBody = await readExcerpt(res);
    return {
      ok: res.status >= 200 && res.status < 300,
      responseStatus: res.status,
      responseHeaders: Object.fromEntries(res.headers.entries()),
      responseBody,
      error: res.status >= 300 && res.status < 400 ? `Redirect to ${res.headers.get("location") ?? "?"} not followed` : null,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (e) {
    return {
      ok: false,
      responseStatus: null,
      responseHeaders: null,
      responseBody: null,
      error: describeError(e, timeoutMs),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

export type AttemptOutcome = { delivery: Delivery; attempt: DeliveryAttempt; willRetry: boolean };

/**
 * Makes the next attempt of a pending delivery and records it. The attempt number is
 * claimed atomically, so a duplicate job cannot send an attempt twice; null when there
 * is nothing left to do (delivered, given up, or the hook was deleted).
 */
export async function attemptDelivery(db: DbOrTx, deliveryId: string, timeoutMs = DELIVERY_DEFAULTS.timeoutMs): Promise<AttemptOutcome | null> {
  const [claimed] = await db
    .update(webhookDeliveries)
    .set({ attempts: sql`${webhookDeliveries.attempts} + 1` })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending"), lt(webhookDeliveries.attempts, webhookDeliveries.maxAttempts)))
    .returning();
  if (!claimed) return null;
  const [hook] = await db.select({ url: webhooks.url, active: webhooks.active }).from(webhooks).where(eq(webhooks.id, claimed.hookId));
  if (!hook) return null;

  const result =
    hook.active || claimed.trigger === "test" ?
      await send(hook.url, claimed.requestHeaders, claimed.requestBody, timeoutMs)
    : { ok: false, responseStatus: null, responseHeaders: null, responseBody: null, error: "The webhook was disabled before this delivery", durationMs: 0 };
  const final = result.ok || claimed.attempts >= claimed.maxAttempts || !hook.active;
  const [attempt] = await db
    .insert(webhookDeliveryAttempts)
    .values({
      deliveryId,
      attempt: claimed.attempts,
      durationMs: result.durationMs,
      responseStatus: result.responseStatus,
      responseHeaders: result.responseHeaders,
      responseBody: result.responseBody,
      error: result.error,
    })
    .returning();
  const [delivery] = await db
    .update(webhookDeliveries)
    .set({
      status:
        result.ok ? "success"
        : final ? "failed"
        : "pending",
      responseStatus: result.responseStatus,
      durationMs: result.durationMs,
      completedAt: final ? new Date() : null,
    })
    .where(eq(webhookDeliveries.id, deliveryId))
    .returning();
  return { delivery, attempt, willRetry: !final };
}

/** The `webhook-delivery` job: a failed attempt throws so pg-boss retries it with backoff. */
export async function deliverWebhookJob(data: JobData<typeof queues.webhookDelivery>) {
  const outcome = await attemptDelivery(getDb(), data.deliveryId);
  if (outcome && outcome.delivery.status !== "success") {
    const { attempt } = outcome;
    throw new Error(`webhook delivery ${outcome.delivery.id} attempt ${attempt.attempt} failed: ${attempt.error ?? `HTTP ${attempt.responseStatus}`}`);
  }
  return outcome ? { status: outcome.delivery.status, attempts: outcome.delivery.attempts } : { skipped: true };
}

/** The Test button: one synchronous attempt, logged like any delivery (trigger "test"). */
export async function sendTestDelivery(db: DbOrTx, hook: Webhook, event: WebhookEvent, payload: object) {
  const [delivery] = await insertDeliveries(db, [{ hook, event, body: JSON.stringify(payload), trigger: "test" }], 1);
  const outcome = await attemptDelivery(db, delivery.id);
  return outcome!;
}

/** A new delivery of the same body (new X-Rookery-Delivery id, signed with the current secret), queued. */
export async function redeliver(db: DbOrTx, hook: Webhook, deliveryId: string, opts: DeliveryOptions = {}): Promise<Delivery | null> {
  const [original] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.hookId, hook.id)));
  if (!original) return null;
  return db.transaction(async (tx) => {
    const [copy] = await insertDeliveries(
      tx,
      [{ hook, event: original.event as WebhookEvent, body: original.requestBody, trigger: "redeliver", redeliveryOf: original.id }],
      opts.maxAttempts ?? DELIVERY_DEFAULTS.maxAttempts,
    );
    await enqueueDeliveries(tx, [copy], opts);
    return copy;
  });
}

/** A hook's deliveries, newest first, each with its attempts; `cursor` = last id of the previous page. */
export async function listDeliveries(db: DbOrTx, hookId: string, opts: { cursor?: string; limit: number }) {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.hookId, hookId),
        opts.cursor ?
          sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (select created_at, id from webhook_deliveries where id = ${opts.cursor}::uuid)`
        : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(opts.limit + 1);
  const items = rows.slice(0, opts.limit);
  const attempts =
    items.length ?
      await db
        .select()
        .from(webhookDeliveryAttempts)
        .where(
          inArray(
            webhookDeliveryAttempts.deliveryId,
            items.map((d) => d.id),
          ),
        )
        .orderBy(webhookDeliveryAttempts.attempt)
    : [];
  return {
    items: items.map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.deliveryId === d.id) })),
    nextCursor: rows.length > opts.limit ? items[items.length - 1].id : null,
  };
}

/** Whether any delivery of the hook is still pending (the page refreshes while one is). */
export async function hasPendingDeliveries(db: DbOrTx, hookId: string) {
  const [row] = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.hookId, hookId), eq(webhookDeliveries.status, "pending")))
    .limit(1);
  return Boolean(row);
}
