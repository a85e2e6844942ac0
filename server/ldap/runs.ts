import { desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { ldapSyncRuns, users } from "@/db/schema";
import type { LdapConfig } from "./client";

/** Sync runs, newest first; `cursor` is the id of the last run of the previous page. */
export async function listSyncRuns(db: DbOrTx, opts: { cursor?: string; limit: number }) {
  const rows = await db
    .select({
      id: ldapSyncRuns.id,
      trigger: ldapSyncRuns.trigger,
      triggeredBy: users.username,
      status: ldapSyncRuns.status,
      startedAt: ldapSyncRuns.startedAt,
      finishedAt: ldapSyncRuns.finishedAt,
      orgsAdded: ldapSyncRuns.orgsAdded,
      orgsUpdated: ldapSyncRuns.orgsUpdated,
      orgsArchived: ldapSyncRuns.orgsArchived,
      usersAdded: ldapSyncRuns.usersAdded,
      usersUpdated: ldapSyncRuns.usersUpdated,
      membersAdded: ldapSyncRuns.membersAdded,
      membersRemoved: ldapSyncRuns.membersRemoved,
      membersChanged: ldapSyncRuns.membersChanged,
      error: ldapSyncRuns.error,
    })
    .from(ldapSyncRuns)
    .leftJoin(users, eq(users.id, ldapSyncRuns.triggeredBy))
    .where(
      opts.cursor ?
        sql`(${ldapSyncRuns.startedAt}, ${ldapSyncRuns.id}) < (select started_at, id from ldap_sync_runs where id = ${opts.cursor}::uuid)`
      : undefined,
    )
    .orderBy(desc(ldapSyncRuns.startedAt), desc(ldapSyncRuns.id))
    .limit(opts.limit + 1);
  const hasMore = rows.length > opts.limit;
  const items = rows.slice(0, opts.limit);
  return { items, nextCursor: hasMore ? items[items.length - 1].id : null };
}

/** The newest run's id and status, or the newest one a user started (the admin page polls while it is running); null when none. */
export async function latestSyncRun(db: DbOrTx, opts: { triggeredBy?: string } = {}) {
  const [row] = await db
    .select({ id: ldapSyncRuns.id, status: ldapSyncRuns.status })
    .from(ldapSyncRuns)
    .where(opts.triggeredBy ? eq(ldapSyncRuns.triggeredBy, opts.triggeredBy) : undefined)
    .orderBy(desc(ldapSyncRuns.startedAt), desc(ldapSyncRuns.id))
    .limit(1);
  return row ?? null;
}

/** What the admin page may show of the LDAP settings: everything but the bind password. */
export function describeLdapConfig(cfg: LdapConfig) {
  return {
    url: cfg.url,
    bindDn: cfg.bindDn ?? null,
    startTls: cfg.startTls,
    peopleBase: cfg.peopleBase,
    userAttr: cfg.userAttr,
    userFilter: cfg.userFilter,
    orgBase: cfg.orgBase,
    orgFilter: cfg.orgFilter,
    orgNameAttr: cfg.orgNameAttr,
    orgDescriptionAttr: cfg.orgDescriptionAttr,
    groups: { ...cfg.groups },
    groupNameAttr: cfg.groupNameAttr,
    groupMemberAttr: cfg.groupMemberAttr,
    syncCron: cfg.syncCron,
  };
}
