import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";

/**
 * The distinct actions recorded (for the audit filter). Instance-wide it walks the
 * (action, at) index one value at a time, so it stays fast on a large log.
 */
export async function listAuditActions(db: DbOrTx, orgId?: string): Promise<string[]> {
  const rows =
    orgId ?
      await db.execute<{ action: string }>(sql`select distinct action from audit_events where org_id = ${orgId} order by action`)
    : await db.execute<{ action: string }>(sql`
        with recursive a(action) as (
          (select action from audit_events order by action limit 1)
          union all
          select (select e.action from audit_events e where e.action > a.action order by e.action limit 1)
          from a where a.action is not null
        )
        select action from a where action is not null
      `);
  return rows.map((r) => r.action);
}
