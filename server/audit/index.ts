import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { auditEvents, organizations } from "@/db/schema";
import type { Actor } from "@/server/auth/policy";

export type AuditEntry = {
  actor: Actor | { kind: "system"; name: string };
  action: string;
  orgId?: string | null;
  targetType?: string;
  targetId?: string;
  outcome: "success" | "denied" | "failure";
  details?: Record<string, unknown>;
};

function actorFields(actor: AuditEntry["actor"]) {
  if (actor.kind === "user") return { actorId: actor.id, actorName: actor.username };
  if (actor.kind === "system") return { actorId: null, actorName: actor.name };
  if (actor.kind === "job") return { actorId: null, actorName: `job ${actor.jobId}` };
  return { actorId: null, actorName: "anonymous" };
}

/** Call inside the mutation's transaction so the record and the change commit together. */
export async function recordAudit(db: DbOrTx, entry: AuditEntry) {
  await db.insert(auditEvents).values({
    ...actorFields(entry.actor),
    action: entry.action,
    orgId: entry.orgId ?? null,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    outcome: entry.outcome,
    details: entry.details ?? {},
  });
}

export type AuditFilter = {
  orgId?: string;
  actorName?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** id of the last row of the previous page */
  cursor?: number;
  limit: number;
};

export async function listAudit(db: DbOrTx, f: AuditFilter) {
  const where: SQL[] = [];
  if (f.orgId) where.push(eq(auditEvents.orgId, f.orgId));
  if (f.actorName) where.push(eq(auditEvents.actorName, f.actorName));
  if (f.action) where.push(eq(auditEvents.action, f.action));
  if (f.from) where.push(gte(auditEvents.at, f.from));
  if (f.to) where.push(lte(auditEvents.at, f.to));
  if (f.cursor) where.push(lt(auditEvents.id, f.cursor));
  const rows = await db
    .select({
      id: auditEvents.id,
      at: auditEvents.at,
      actorName: auditEvents.actorName,
      action: auditEvents.action,
      orgSlug: organizations.slug,
      targetType: auditEvents.targetType,
      targetId: auditEvents.targetId,
      outcome: auditEvents.outcome,
      details: auditEvents.details,
    })
    .from(auditEvents)
    .leftJoin(organizations, eq(organizations.id, auditEvents.orgId))
    .where(and(...where))
    .orderBy(desc(auditEvents.id))
    .limit(f.limit + 1);
  const hasMore = rows.length > f.limit;
  const items = rows.slice(0, f.limit);
  return { items, nextCursor: hasMore ? items[items.length - 1].id : null };
}
