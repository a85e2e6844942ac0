import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { repositories } from "./git";
import { organizations } from "./orgs";
import { users } from "./users";

/**
 * Webhooks of a repository (repoId set) or of a whole organization (repoId null: fires
 * for every repo of the org). The secret is AES-256-GCM encrypted (server/crypto).
 */
export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    repoId: uuid("repo_id").references(() => repositories.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** encrypt(secret) or null: without a secret no signature header is sent */
    secretEncrypted: text("secret_encrypted"),
    /** subset of push, tag, merge_request, merge, build */
    events: text("events").array().notNull(),
    active: boolean("active").notNull().default(true),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhooks_org_idx").on(t.orgId), index("webhooks_repo_idx").on(t.repoId)],
);

export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", ["pending", "success", "failed"]);

/** One event sent (or to be sent) to one hook; its id is the X-Rookery-Delivery header. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    hookId: uuid("hook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    /** event: caused by a push/merge/…; test: the Test button; redeliver: the Redeliver button */
    trigger: text("trigger").notNull().default("event"),
    redeliveryOf: uuid("redelivery_of"),
    requestHeaders: jsonb("request_headers").$type<Record<string, string>>().notNull(),
    requestBody: text("request_body").notNull(),
    status: webhookDeliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(5),
    responseStatus: integer("response_status"),
    durationMs: integer("duration_ms"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [index("webhook_deliveries_hook_idx").on(t.hookId, t.createdAt)],
);

/** Every HTTP attempt of a delivery (retries included), for the delivery log. */
export const webhookDeliveryAttempts = pgTable(
  "webhook_delivery_attempts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    durationMs: integer("duration_ms").notNull(),
    responseStatus: integer("response_status"),
    responseHeaders: jsonb("response_headers").$type<Record<string, string>>(),
    /** the first 2 KB */
    responseBody: text("response_body"),
    error: text("error"),
  },
  (t) => [unique("webhook_delivery_attempts_delivery_attempt").on(t.deliveryId, t.attempt)],
);
