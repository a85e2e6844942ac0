import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { BOSS_SCHEMA, getBoss } from "./index";

/**
 * Read side of the background-job admin page: pg-boss 10 keeps live jobs in
 * `pgboss.job` (partitioned by queue) and moves finished ones to `pgboss.archive`
 * (after 12 h by default). These queries read those tables; changes go through pg-boss.
 */

/** pg-boss job states, in its own order (created < retry < active < completed < cancelled < failed). */
export const jobStates = ["created", "retry", "active", "completed", "cancelled", "failed"] as const;
export type JobState = (typeof jobStates)[number];

export type JobRow = {
  id: string;
  queue: string;
  state: JobState;
  data: unknown;
  output: unknown;
  retryCount: number;
  retryLimit: number;
  createdOn: Date;
  startAfter: Date;
  startedOn: Date | null;
  completedOn: Date | null;
  singletonKey: string | null;
};

export type JobFilter = {
  queue?: string;
  state?: JobState;
  /** list pgboss.archive instead of live jobs */
  archived?: boolean;
  /** `nextCursor` of the previous page */
  cursor?: string;
  limit: number;
};

/** created_on as text keeps its microseconds, so keyset pagination never skips a row. */
export const jobCursorPattern = /^\d{4}-\d{2}-\d{2} [\d:.]+[+-][\d:]+\|[0-9a-f-]{36}$/;

/** Raw timestamptz text (`2026-01-31 10:00:00.123456+00`) as a Date. */
function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  return new Date(
    String(v)
      .replace(" ", "T")
      .replace(/([+-]\d\d)$/, "$1:00"),
  );
}

const table = (archived?: boolean) => sql.raw(`${BOSS_SCHEMA}.${archived ? "archive" : "job"}`);

function isMissingTable(e: unknown) {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === "42P01" || err?.cause?.code === "42P01";
}

/** Runs a query against pg-boss tables; before pg-boss first started there are none. */
async function rowsOrNone<R>(query: () => Promise<R[]>): Promise<R[]> {
  try {
    return await query();
  } catch (e) {
    if (isMissingTable(e)) return [];
    throw e;
  }
}

export async function listJobs(db: DbOrTx, f: JobFilter): Promise<{ items: JobRow[]; nextCursor: string | null }> {
  const where: SQL[] = [sql`true`];
  if (f.queue) where.push(sql`name = ${f.queue}`);
  if (f.state) where.push(sql`state::text = ${f.state}`);
  if (f.cursor) {
    if (!jobCursorPattern.test(f.cursor)) throw new Error("Malformed job cursor");
    const [at, id] = f.cursor.split("|");
    where.push(sql`(created_on, id) < (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await rowsOrNone(() =>
    db.execute<JobRow & { cursor: string }>(sql`
      select id, name as queue, state::text as state, data, output,
             retry_count as "retryCount", retry_limit as "retryLimit",
             created_on as "createdOn", start_after as "startAfter", started_on as "startedOn",
             completed_on as "completedOn", singleton_key as "singletonKey",
             created_on::text || '|' || id::text as cursor
      from ${table(f.archived)}
      where ${sql.join(where, sql` and `)}
      order by created_on desc, id desc
      limit ${f.limit + 1}
    `),
  );
  const hasMore = rows.length > f.limit;
  const page = rows.slice(0, f.limit);
  const items = page.map(({ cursor: _cursor, ...job }) => ({
    ...job,
    createdOn: toDate(job.createdOn)!,
    startAfter: toDate(job.startAfter)!,
    startedOn: toDate(job.startedOn),
    completedOn: toDate(job.completedOn),
  }));
  return { items, nextCursor: hasMore ? page[page.length - 1].cursor : null };
}

/** Live jobs per state (optionally in one queue), for the filter tabs. */
export async function jobStateCounts(db: DbOrTx, queue?: string): Promise<Record<JobState, number>> {
  const counts = Object.fromEntries(jobStates.map((s) => [s, 0])) as Record<JobState, number>;
  const rows = await rowsOrNone(() =>
    db.execute<{ state: JobState; n: number }>(sql`
      select state::text as state, count(*)::int as n from ${table(false)}
      ${queue ? sql`where name = ${queue}` : sql``}
      group by state
    `),
  );
  for (const r of rows) counts[r.state] = r.n;
  return counts;
}

/** Every queue pg-boss knows. */
export async function jobQueues(db: DbOrTx): Promise<string[]> {
  const rows = await rowsOrNone(() => db.execute<{ name: string }>(sql`select name from ${sql.raw(`${BOSS_SCHEMA}.queue`)} order by name`));
  return rows.map((r) => r.name);
}

export type RetryResult = { status: "retried"; queue: string } | { status: "not-found" } | { status: "not-failed"; state: JobState };

/** Puts a failed live job back in the queue through pg-boss (`boss.retry`). */
export async function retryJob(db: DbOrTx, id: string): Promise<RetryResult> {
  const [job] = await rowsOrNone(() =>
    db.execute<{ queue: string; state: JobState }>(sql`select name as queue, state::text as state from ${table(false)} where id = ${id}::uuid`),
  );
  if (!job) return { status: "not-found" };
  if (job.state !== "failed") return { status: "not-failed", state: job.state };
  const boss = await getBoss();
  await boss.retry(job.queue, id);
  return { status: "retried", queue: job.queue };
}
