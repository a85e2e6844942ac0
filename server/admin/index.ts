import { desc, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { ldapSyncRuns } from "@/db/schema";
import { getConfig } from "@/server/config";
import { INFRASTRUCTURE_ORG } from "@/server/git/repos";

/** Instance-wide counts for the admin overview, in one round trip. */
export async function instanceCounts(db: DbOrTx) {
  const rows = await db.execute<{
    users: number;
    admins: number;
    disabled_users: number;
    orgs: number;
    archived_orgs: number;
  }>(sql`
    select
      (select count(*) from users)::int as users,
      (select count(*) from users where is_admin and disabled_at is null)::int as admins,
      (select count(*) from users where disabled_at is not null)::int as disabled_users,
      (select count(*) from organizations)::int as orgs,
      (select count(*) from organizations where archived_at is not null)::int as archived_orgs
  `);
  const r = rows[0];
  return { users: r.users, admins: r.admins, disabledUsers: r.disabled_users, orgs: r.orgs, archivedOrgs: r.archived_orgs };
}

/** The first steps of a new instance, and which are done (the admin overview's checklist). */
export async function gettingStarted(db: DbOrTx) {
  const [r] = await db.execute<{ org: boolean; pki: boolean; runner: boolean }>(sql`
    select
      exists (select 1 from organizations where slug <> ${INFRASTRUCTURE_ORG}) as org,
      exists (select 1 from certificate_authorities where level = 'sub' and status = 'active') as pki,
      exists (select 1 from runners) as runner
  `);
  const cfg = getConfig();
  return { org: r.org, pki: r.pki, runner: r.runner, smtp: !!cfg.smtp.url, ldap: !!cfg.ldap };
}

export type LdapSyncRun = typeof ldapSyncRuns.$inferSelect;

/** The most recent LDAP sync run (running, finished or failed), or null if none ever ran. Read-only. */
export async function lastLdapSyncRun(db: DbOrTx): Promise<LdapSyncRun | null> {
  const [run] = await db.select().from(ldapSyncRuns).orderBy(desc(ldapSyncRuns.startedAt)).limit(1);
  return run ?? null;
}
