import cronParser from "cron-parser";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { organizations, repositories, tinderboxSchedules } from "@/db/schema";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { branchHead } from "@/server/git/plumbing/merge";
import { readTextFile } from "@/server/git/plumbing/read";
import { getRepo } from "@/server/git/repos";
import { CONFIG_FILE, defaultConfig, parseTinderboxConfig } from "./config";
import { PUPPET_REPO, requestTinderboxRun, storeSchedule } from "./run";

/**
 * The tinderbox schedule: every organization's tinderbox runs on the `schedule:` of its puppet
 * repository's `.rookery/tinderbox.yaml` on develop (default daily). The every-minute fan-out
 * (`tinderbox-schedules-due`) reads only the table `tinderbox_schedules`; the file itself is
 * re-read at most once an hour per organization (and after each run), at most REFRESH_PER_TICK
 * a minute, so 100 organizations cost at most 100 small git reads an hour, spread out.
 */
export const SCHEDULE_TTL_MS = 3600_000;
/** files read per minute at most: after a restart 100 organizations are read over 10 minutes, and stay spread */
export const REFRESH_PER_TICK = 10;

export type ScheduleRow = typeof tinderboxSchedules.$inferSelect;

/** A minute of the hour derived from the organization, so 100 daily schedules do not all start at once. */
function minuteOf(orgId: string) {
  let h = 0;
  for (const ch of orgId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 60;
}

/** The cron expression of a schedule (null: off). Presets run at a minute of the organization's own, at 04:xx UTC. */
export function cronOf(schedule: string, orgId: string): string | null {
  const m = minuteOf(orgId);
  switch (schedule) {
    case "off":
      return null;
    case "hourly":
      return `${m} * * * *`;
    case "daily":
      return `${m} 4 * * *`;
    case "weekly":
      return `${m} 4 * * 1`;
    default:
      return schedule;
  }
}

/** When the schedule next starts a run after `from` (null: off or unparsable). */
export function nextScheduledRun(schedule: string, orgId: string, from: Date): Date | null {
  const cron = cronOf(schedule, orgId);
  if (!cron) return null;
  try {
    return cronParser.parseExpression(cron, { currentDate: from, tz: "UTC" }).next().toDate();
  } catch {
    return null;
  }
}

/** The time the next run is due: after the last scheduled run, or after the schedule was first read. */
export function dueAt(row: Pick<ScheduleRow, "orgId" | "schedule" | "lastFiredAt" | "createdAt">) {
  return nextScheduledRun(row.schedule, row.orgId, row.lastFiredAt ?? row.createdAt);
}

/** Reads `.rookery/tinderbox.yaml` on develop and stores the schedule (an unreadable file keeps the default, with the error). */
export async function refreshSchedule(db: Db, org: { id: string; slug: string }, now = new Date()) {
  let schedule = defaultConfig.schedule;
  let error: string | null = null;
  try {
    const repo = await getRepo(db, org.slug, PUPPET_REPO);
    const dir = repo ? await ensureRepoOnDisk(db, repo) : null;
    const base = dir ? await branchHead(dir, "develop") : null;
    if (dir && base) schedule = parseTinderboxConfig(await readTextFile(dir, base, CONFIG_FILE)).schedule;
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  return storeSchedule(db, org.id, schedule, error, now);
}

export async function getSchedule(db: DbOrTx, orgId: string) {
  const [row] = await db.select().from(tinderboxSchedules).where(eq(tinderboxSchedules.orgId, orgId));
  return row ?? null;
}

/**
 * The every-minute job: refreshes the schedules not read for an hour (organizations with a
 * puppet repository, not archived), then starts a run for every organization whose schedule is due.
 */
export async function runDueTinderboxes(db: Db, now = new Date()) {
  const stale = new Date(now.getTime() - SCHEDULE_TTL_MS);
  const orgs = await db
    .select({ id: organizations.id, slug: organizations.slug, checkedAt: tinderboxSchedules.checkedAt })
    .from(organizations)
    .innerJoin(repositories, and(eq(repositories.orgId, organizations.id), eq(repositories.name, PUPPET_REPO)))
    .leftJoin(tinderboxSchedules, eq(tinderboxSchedules.orgId, organizations.id))
    .where(and(isNull(organizations.archivedAt), or(isNull(tinderboxSchedules.checkedAt), lt(tinderboxSchedules.checkedAt, stale))))
    .orderBy(sql`${tinderboxSchedules.checkedAt} asc nulls first`)
    .limit(REFRESH_PER_TICK);
  for (const o of orgs) await refreshSchedule(db, o, now);

  const rows = await db
    .select({ s: tinderboxSchedules })
    .from(tinderboxSchedules)
    .innerJoin(organizations, eq(organizations.id, tinderboxSchedules.orgId))
    .where(and(isNull(organizations.archivedAt), sql`${tinderboxSchedules.schedule} <> 'off'`));
  const started: string[] = [];
  for (const { s } of rows) {
    const due = dueAt(s);
    if (!due || due > now) continue;
    // claim: only the worker that moves lastFiredAt from what it read starts the run
    const claimed = await db
      .update(tinderboxSchedules)
      .set({ lastFiredAt: now })
      .where(
        and(eq(tinderboxSchedules.orgId, s.orgId), s.lastFiredAt ? eq(tinderboxSchedules.lastFiredAt, s.lastFiredAt) : isNull(tinderboxSchedules.lastFiredAt)),
      )
      .returning({ orgId: tinderboxSchedules.orgId });
    if (!claimed.length) continue;
    await requestTinderboxRun(db, s.orgId, "schedule");
    started.push(s.orgId);
  }
  return { refreshed: orgs.length, started };
}
