import { and, eq, notInArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ldapSyncRuns, users } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { createOrg, setArchived } from "@/server/orgs";
import { createLocalUser, getUserById } from "@/server/users";
import { gettingStarted, instanceCounts, lastLdapSyncRun } from "./index";
import { changeUser, LAST_ADMIN, NOT_YOURSELF } from "./users";

const db = testDatabase();
const pw = "Sturdy-pass-2026";

describe("changeUser guards", () => {
  it("grants and revokes admin, disables and re-enables other accounts", async () => {
    const boss = await createLocalUser(db(), { username: "guard-boss", password: pw, isAdmin: true });
    const worker = await createLocalUser(db(), { username: "guard-worker", password: pw });

    expect((await changeUser(db(), boss.id, worker.id, { isAdmin: true })).isAdmin).toBe(true);
    expect((await changeUser(db(), boss.id, worker.id, { isAdmin: false })).isAdmin).toBe(false);
    const disabled = await changeUser(db(), boss.id, worker.id, { disabled: true });
    expect(disabled.disabledAt).toBeInstanceOf(Date);
    expect((await changeUser(db(), boss.id, worker.id, { disabled: false })).disabledAt).toBeNull();
  });

  it("refuses changes to your own account", async () => {
    const me = await createLocalUser(db(), { username: "guard-self", password: pw, isAdmin: true });
    await expect(changeUser(db(), me.id, me.id, { isAdmin: false })).rejects.toMatchObject({ field: "userId", message: NOT_YOURSELF });
    await expect(changeUser(db(), me.id, me.id, { disabled: true })).rejects.toThrow(NOT_YOURSELF);
    expect((await getUserById(db(), me.id))?.isAdmin).toBe(true);
  });

  it("keeps at least one active admin, even when two revocations race", async () => {
    // A fresh world: only a and b are active admins (others demoted through plain updates).
    const a = await createLocalUser(db(), { username: "guard-a", password: pw, isAdmin: true });
    const b = await createLocalUser(db(), { username: "guard-b", password: pw, isAdmin: true });
    await db()
      .update(users)
      .set({ isAdmin: false })
      .where(and(eq(users.isAdmin, true), notInArray(users.id, [a.id, b.id])));

    // a revokes b while b disables a: one must fail with the last-admin message.
    const results = await Promise.allSettled([changeUser(db(), a.id, b.id, { isAdmin: false }), changeUser(db(), b.id, a.id, { disabled: true })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ field: "userId", message: LAST_ADMIN });
    expect((await instanceCounts(db())).admins).toBe(1);
  });

  it("rejects unknown users", async () => {
    const me = await createLocalUser(db(), { username: "guard-c", password: pw, isAdmin: true });
    await expect(changeUser(db(), me.id, "00000000-0000-4000-8000-000000000000", { isAdmin: true })).rejects.toThrow("No such user");
  });
});

describe("overview", () => {
  it("counts users and orgs and reads the last LDAP sync run", async () => {
    const before = await instanceCounts(db());
    const org = await createOrg(db(), { name: "Counted Org", source: "local" });
    await createOrg(db(), { name: "Other Counted Org", source: "local" });
    await setArchived(db(), org.id, true);
    await createLocalUser(db(), { username: "guard-counted", password: pw });
    const after = await instanceCounts(db());
    expect(after).toEqual({ ...before, users: before.users + 1, orgs: before.orgs + 2, archivedOrgs: before.archivedOrgs + 1 });
    expect(await lastLdapSyncRun(db())).toBeNull();
    await db()
      .insert(ldapSyncRuns)
      .values({ trigger: "manual", status: "failed", startedAt: new Date(Date.now() - 60_000), error: "old" });
    await db().insert(ldapSyncRuns).values({ trigger: "schedule", status: "success", orgsAdded: 3, finishedAt: new Date() });
    expect(await lastLdapSyncRun(db())).toMatchObject({ trigger: "schedule", status: "success", orgsAdded: 3 });
  });
});

describe("getting started", () => {
  it("ticks the first organization off once one exists (the infrastructure org does not count)", async () => {
    const before = await gettingStarted(db());
    expect(before).toMatchObject({ pki: false, runner: false, ldap: true });
    await createOrg(db(), { name: "Infrastructure", slug: "infrastructure", source: "local" }).catch(() => {});
    if (!before.org) expect((await gettingStarted(db())).org).toBe(false);
    await createOrg(db(), { name: "First Customer", slug: "first-customer", source: "local" });
    expect((await gettingStarted(db())).org).toBe(true);
  });
});
