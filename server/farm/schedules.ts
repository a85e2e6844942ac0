import cronParser from "cron-parser";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { farmSchedules } from "@/db/schema";
import { getArchitecture, getEnvironment } from "./catalog";
import { FarmInputError } from "./errors";
import { startFarmBuild } from "./pipeline";
import { environmentOfBranch } from "./repo";

/**
 * Builds that start by themselves: per target (profile or stack) × environment × arch, on a
 * cron schedule (UTC; daily / weekly / monthly are presets) or after every change to
 * build-profiles on the environment's branch.
 */
export type Schedule = typeof farmSchedules.$inferSelect;

export const presets = { daily: "0 3 * * *", weekly: "0 3 * * 0", monthly: "0 3 1 * *" } as const;
export const MERGE = "merge";

export function normalizeTrigger(trigger: string): string {
  const t = trigger.trim();
  if (t === MERGE) return t;
  const cron = presets[t as keyof typeof presets] ?? t;
  if (cron.split(/\s+/).length !== 5)
    throw new FarmInputError("trigger", "Use daily, weekly, monthly, merge, or a cron expression of 5 fields such as 0 3 * * 1");
  try {
    cronParser.parseExpression(cron, { tz: "UTC" });
  } catch (e) {
    throw new FarmInputError("trigger", `Not a valid cron expression: ${(e as Error).message}`);
  }
  return cron;
}

/** When a cron schedule next runs after `from` (null for merge-triggered ones). */
export function nextRun(s: Pick<Schedule, "trigger">, from: Date): Date | null {
  if (s.trigger === MERGE) return null;
  return cronParser.parseExpression(s.trigger, { currentDate: from, tz: "UTC" }).next().toDate();
}

export type NewSchedule = { environment: string; arch: string; target: string; isStack: boolean; variant: "incremental" | "clean"; trigger: string };

export async function createSchedule(db: DbOrTx, input: NewSchedule, userId: string | null) {
  if (!(await getEnvironment(db, input.environment))) throw new FarmInputError("environment", `Environment ${input.environment} is not defined`);
  if (!(await getArchitecture(db, input.arch))) throw new FarmInputError("arch", `Architecture ${input.arch} is not defined`);
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(input.target)) throw new FarmInputError("target", "Name a profile or stack (letters, digits, . _ -)");
  const [row] = await db
    .insert(farmSchedules)
    .values({ ...input, trigger: normalizeTrigger(input.trigger), createdBy: userId })
    .returning();
  return row;
}

export async function listSchedules(db: DbOrTx) {
  return db.select().from(farmSchedules).orderBy(asc(farmSchedules.environment), asc(farmSchedules.target), asc(farmSchedules.arch));
}

export async function setScheduleEnabled(db: DbOrTx, id: string, enabled: boolean) {
  const [row] = await db.update(farmSchedules).set({ enabled }).where(eq(farmSchedules.id, id)).returning();
  return row ?? null;
}

export async function deleteSchedule(db: DbOrTx, id: string) {
  const [row] = await db.delete(farmSchedules).where(eq(farmSchedules.id, id)).returning();
  return row ?? null;
}

/**
 * Claims the schedule (so two workers never start it twice), starts its build and records
 * the pipeline or the error a person can act on.
 */
async function fire(db: Db, s: Schedule, now: Date, isDue: (s: Schedule) => boolean) {
  const claimed = await db.transaction(async (tx) => {
    const [locked] = await tx.select().from(farmSchedules).where(eq(farmSchedules.id, s.id)).for("update", { skipLocked: true });
    if (!locked || !locked.enabled || !isDue(locked)) return false;
    await tx.update(farmSchedules).set({ lastRunAt: now }).where(eq(farmSchedules.id, s.id));
    return true;
  });
  if (!claimed) return null;
  try {
    const target = s.isStack ? { stack: s.target } : { profile: s.target };
    const p = await startFarmBuild(db, { environment: s.environment, arch: s.arch, variant: s.variant, ...target }, s.createdBy);
    await db.update(farmSchedules).set({ lastPipelineId: p.id, lastError: null }).where(eq(farmSchedules.id, s.id));
    return p.id;
  } catch (e) {
    await db
      .update(farmSchedules)
      .set({ lastError: e instanceof Error ? e.message : String(e) })
      .where(eq(farmSchedules.id, s.id));
    return null;
  }
}

/** The every-minute worker job: starts the cron schedules whose time has come. */
export async function runDueSchedules(db: Db, now = new Date()) {
  const due = (s: Schedule) => {
    const next = nextRun(s, s.lastRunAt ?? s.createdAt);
    return next !== null && next <= now;
  };
  const rows = await db
    .select()
    .from(farmSchedules)
    .where(and(eq(farmSchedules.enabled, true), sql`${farmSchedules.trigger} <> ${MERGE}`));
  const started: string[] = [];
  for (const s of rows.filter(due)) {
    const id = await fire(db, s, now, due);
    if (id) started.push(id);
  }
  return { started };
}

/** After a push to build-profiles: the merge-triggered schedules of the environments whose branch moved. */
export async function runMergeSchedules(db: Db, branches: string[], now = new Date()) {
  const environments = [...new Set(branches.map(environmentOfBranch).filter((e): e is NonNullable<typeof e> => e !== null))];
  if (!environments.length) return { started: [] as string[] };
  const rows = await db
    .select()
    .from(farmSchedules)
    .where(and(eq(farmSchedules.enabled, true), eq(farmSchedules.trigger, MERGE)));
  const started: string[] = [];
  for (const s of rows.filter((r) => environments.includes(r.environment as (typeof environments)[number]))) {
    const id = await fire(db, s, now, () => true);
    if (id) started.push(id);
  }
  return { started };
}
