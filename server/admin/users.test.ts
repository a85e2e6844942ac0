import { and, eq, notInArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, ldapSyncRuns, memberships, mergeRequestComments, mergeRequests, personalAccessTokens, repositories, users } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { addMember, createOrg, setArchived } from "@/server/orgs";
import { createToken } from "@/server/auth/tokens";
import { createLocalUser, getUserById } from "@/server/users";
import { gettingStarted, instanceCounts, lastLdapSyncRun } from "./index";
import { changeUser, deleteUser, LAST_ADMIN, NOT_YOURSELF, NOT_YOURSELF_DELETE } from "./users";

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

describe("deleteUser", () => {
  it("removes memberships and tokens and keeps what the person made, as by a deleted user", async () => {
    const boss = await createLocalUser(db(), { username: "del-boss", password: pw, isAdmin: true });
    const leaver = await createLocalUser(db(), { username: "del-leaver", password: pw });
    const org = await createOrg(db(), { name: "Deletion Org", source: "local" });
    await addMember(db(), org.id, leaver.username, "developer");
    await createToken(db(), { userId: leaver.id, name: "ci", scope: "read", expiresAt: null });
    const [repo] = await db().insert(repositories).values({ orgId: org.id, name: "kept" }).returning();
    const [mr] = await db()
      .insert(mergeRequests)
      .values({
        repoId: repo.id,
        number: 1,
        title: "Leaver's work",
        authorId: leaver.id,
        sourceBranch: "feature/x",
        targetBranch: "develop",
        headSha: "a".repeat(40),
      })
      .returning();
    const [comment] = await db().insert(mergeRequestComments).values({ mrId: mr.id, authorId: leaver.id, body: "Looks good" }).returning();
    await db().insert(auditEvents).values({ actorId: leaver.id, actorName: leaver.username, action: "mr.create", outcome: "success" });

    expect(await deleteUser(db(), boss.id, leaver.id)).toEqual({ username: "del-leaver", source: "local", memberships: 1, tokens: 1 });

    expect(await getUserById(db(), leaver.id)).toBeNull();
    expect(await db().select().from(memberships).where(eq(memberships.userId, leaver.id))).toEqual([]);
    expect(await db().select().from(personalAccessTokens).where(eq(personalAccessTokens.userId, leaver.id))).toEqual([]);
    const [keptMr] = await db().select().from(mergeRequests).where(eq(mergeRequests.id, mr.id));
    expect(keptMr).toMatchObject({ title: "Leaver's work", authorId: null });
    const [keptComment] = await db().select().from(mergeRequestComments).where(eq(mergeRequestComments.id, comment.id));
    expect(keptComment).toMatchObject({ body: "Looks good", authorId: null });
    const [entry] = await db().select().from(auditEvents).where(eq(auditEvents.actorName, "del-leaver"));
    expect(entry).toMatchObject({ action: "mr.create", actorId: null });
  });

  it("refuses deleting yourself, the last active admin and unknown users", async () => {
    const me = await createLocalUser(db(), { username: "del-self", password: pw, isAdmin: true });
    await expect(deleteUser(db(), me.id, me.id)).rejects.toMatchObject({ field: "userId", message: NOT_YOURSELF_DELETE });
    // Demote every other admin with plain updates: `me` is now the last active admin.
    await db()
      .update(users)
      .set({ isAdmin: false })
      .where(and(eq(users.isAdmin, true), notInArray(users.id, [me.id])));
    const other = await createLocalUser(db(), { username: "del-other", password: pw });
    await expect(deleteUser(db(), other.id, me.id)).rejects.toMatchObject({ field: "userId", message: LAST_ADMIN });
    expect(await getUserById(db(), me.id)).not.toBeNull();
    await expect(deleteUser(db(), me.id, "00000000-0000-4000-8000-000000000000")).rejects.toThrow("No such user");
  });
});
