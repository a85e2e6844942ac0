import { and, count, desc, eq, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, notificationPreferences, notifications, users } from "@/db/schema";
import type { OrgRole } from "@/server/auth/policy";
import { queues } from "@/server/jobs";
import { enqueueWith } from "@/server/jobs/transactional";
import { notificationMail } from "./email";
import { kindInfo, notificationKinds, type NotificationKind } from "./kinds";

export { notificationKinds, type NotificationKind } from "./kinds";

export type NotifyInput = {
  kind: NotificationKind;
  title: string;
  body?: string;
  /** a path inside Rookery ("/orgs/acme") or an absolute URL */
  link?: string | null;
  /** the org it is about (its notifications go when it is deleted) */
  orgId?: string | null;
  // Recipients: the union of the following.
  /** these users */
  userIds?: string[];
  /** members of `orgId` with these roles ("all" = every member) */
  roles?: OrgRole[] | "all";
  /** every instance administrator */
  admins?: boolean;
  /** never these users (e.g. whoever caused it) */
  exceptUserIds?: string[];
};

type Recipient = { id: string; email: string | null; isAdmin: boolean };

async function recipientsOf(db: DbOrTx, input: NotifyInput): Promise<Recipient[]> {
  if (input.roles && !input.orgId) throw new Error("notify: roles need an orgId");
  const cols = { id: users.id, email: users.email, isAdmin: users.isAdmin };
  const active = isNull(users.disabledAt);
  const found: Recipient[] = [];
  if (input.userIds?.length)
    found.push(
      ...(await db
        .select(cols)
        .from(users)
        .where(and(inArray(users.id, input.userIds), active))),
    );
  if (input.roles && input.orgId) {
    const byRole = input.roles === "all" ? undefined : inArray(memberships.role, input.roles);
    if (input.roles === "all" || input.roles.length) {
      found.push(
        ...(await db
          .select(cols)
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.orgId, input.orgId), byRole, active))),
      );
    }
  }
  if (input.admins)
    found.push(
      ...(await db
        .select(cols)
        .from(users)
        .where(and(eq(users.isAdmin, true), active))),
    );
  const except = new Set(input.exceptUserIds ?? []);
  return [...new Map(found.filter((r) => !except.has(r.id)).map((r) => [r.id, r])).values()];
}

/**
 * THE way to tell people something. Writes in-app notifications and enqueues emails
 * (queue notify-email) according to each recipient's preferences for the kind. Pass the
 * caller's transaction: rows and email jobs then commit together with the change.
 */
export async function notify(db: DbOrTx, input: NotifyInput): Promise<{ inApp: number; emails: number }> {
  const info = kindInfo(input.kind);
  const recipients = (await recipientsOf(db, input)).filter((u) => !info.adminOnly || u.isAdmin);
  if (recipients.length === 0) return { inApp: 0, emails: 0 };

  const prefs = await db
    .select()
    .from(notificationPreferences)
    .where(
      and(
        eq(notificationPreferences.kind, input.kind),
        inArray(
          notificationPreferences.userId,
          recipients.map((r) => r.id),
        ),
      ),
    );
  const prefOf = new Map(prefs.map((p) => [p.userId, p]));
  const choice = (id: string) => prefOf.get(id) ?? info.defaults;

  const body = input.body ?? "";
  const link = input.link ?? null;
  const inApp = recipients.filter((r) => choice(r.id).inApp);
  if (inApp.length) {
    await db.insert(notifications).values(inApp.map((r) => ({ userId: r.id, kind: input.kind, title: input.title, body, link, orgId: input.orgId ?? null })));
  }
  const mails = recipients.filter((r) => r.email && choice(r.id).email).map((r) => notificationMail(r.email!, { title: input.title, body, link }));
  await enqueueWith(db, queues.notifyEmail, mails);
  return { inApp: inApp.length, emails: mails.length };
}

export type NotificationRow = typeof notifications.$inferSelect;

/** Newest first, keyset-paginated by (created_at, id); `cursor` is the last id seen. */
export async function listNotifications(db: DbOrTx, userId: string, opts: { cursor?: string | null; limit: number; unreadOnly?: boolean }) {
  const mine = eq(notifications.userId, userId);
  let after;
  if (opts.cursor) {
    const [c] = await db
      .select({ createdAt: notifications.createdAt, id: notifications.id })
      .from(notifications)
      .where(and(mine, eq(notifications.id, opts.cursor)));
    if (c) after = or(lt(notifications.createdAt, c.createdAt), and(eq(notifications.createdAt, c.createdAt), lt(notifications.id, c.id)));
  }
  const rows = await db
    .select()
    .from(notifications)
    .where(and(mine, opts.unreadOnly ? isNull(notifications.readAt) : undefined, after))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(opts.limit + 1);
  const items = rows.slice(0, opts.limit);
  return { items, nextCursor: rows.length > opts.limit ? items[items.length - 1].id : null };
}

export async function unreadCount(db: DbOrTx, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return row.n;
}

/** Marks the user's own notifications read (others' ids are ignored); returns how many changed. */
export async function markRead(db: DbOrTx, userId: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(and(eq(notifications.userId, userId), inArray(notifications.id, ids), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return rows.length;
}

export async function markUnread(db: DbOrTx, userId: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .update(notifications)
    .set({ readAt: null })
    .where(and(eq(notifications.userId, userId), inArray(notifications.id, ids), isNotNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return rows.length;
}

export async function markAllRead(db: DbOrTx, userId: string): Promise<number> {
  const rows = await db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return rows.length;
}

export type Preference = { kind: NotificationKind; label: string; description: string; inApp: boolean; email: boolean };

/** Every kind the user can receive, with their choice or the kind's default. */
export async function getPreferences(db: DbOrTx, user: { id: string; isAdmin: boolean }): Promise<Preference[]> {
  const rows = await db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, user.id));
  const saved = new Map(rows.map((r) => [r.kind, r]));
  return (Object.keys(notificationKinds) as NotificationKind[])
    .filter((kind) => !kindInfo(kind).adminOnly || user.isAdmin)
    .map((kind) => {
      const info = kindInfo(kind);
      const row = saved.get(kind);
      return { kind, label: info.label, description: info.description, inApp: row?.inApp ?? info.defaults.inApp, email: row?.email ?? info.defaults.email };
    });
}

/** Saves the given choices in one statement (all or nothing). */
export async function setPreferences(db: DbOrTx, userId: string, prefs: { kind: NotificationKind; inApp: boolean; email: boolean }[]) {
  const byKind = new Map(prefs.map((p) => [p.kind, p]));
  if (byKind.size === 0) return;
  await db
    .insert(notificationPreferences)
    .values([...byKind.values()].map((p) => ({ userId, kind: p.kind, inApp: p.inApp, email: p.email })))
    .onConflictDoUpdate({
      target: [notificationPreferences.userId, notificationPreferences.kind],
      set: { inApp: sql`excluded.in_app`, email: sql`excluded.email` },
    });
}
