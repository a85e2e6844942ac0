import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { notifications } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { createOrg } from "@/server/orgs";
import { createLocalUser, setUserDisabled, type User } from "@/server/users";
import { stopBoss } from "@/server/jobs";
import { getPreferences, listNotifications, markAllRead, markRead, markUnread, notify, setPreferences, unreadCount } from "./index";

const db = testDatabase();
afterAll(stopBoss);

let n = 0;
async function user(opts: { email?: string | null; isAdmin?: boolean } = {}): Promise<User> {
  const name = `user${++n}`;
  return createLocalUser(db(), {
    username: name,
    password: "Notify-password-1",
    email: opts.email === undefined ? `${name}@example.test` : opts.email,
    isAdmin: opts.isAdmin,
  });
}

async function inbox(u: User) {
  return db().select().from(notifications).where(eq(notifications.userId, u.id));
}

/** Email jobs waiting in pg-boss for these addresses. */
async function queuedMail(...to: string[]) {
  const rows = await db().execute<{ data: { to: string; subject: string; text: string } }>(sql`select data from pgboss.job where name = 'notify-email'`);
  return [...rows].map((r) => r.data).filter((d) => to.includes(d.to));
}

describe("notify", () => {
  it("writes an in-app notification and enqueues an email, by default", async () => {
    const u = await user();
    const res = await notify(db(), {
      userIds: [u.id],
      kind: "security.token_created",
      title: "Token created",
      body: "A token was created",
      link: "/settings/tokens",
    });
    expect(res).toEqual({ inApp: 1, emails: 1 });
    const [row] = await inbox(u);
    expect(row).toMatchObject({ kind: "security.token_created", title: "Token created", body: "A token was created", link: "/settings/tokens", readAt: null });
    const [mail] = await queuedMail(u.email!);
    expect(mail.subject).toBe("[Rookery] Token created");
    expect(mail.text).toContain("A token was created");
    expect(mail.text).toMatch(/Open: http:\/\/[^\s]+\/settings\/tokens/);
  });

  it("respects each user's preferences per kind, and skips users without an address or disabled", async () => {
    const quiet = await user();
    const inAppOnly = await user();
    const noEmail = await user({ email: null });
    const disabled = await user();
    await setUserDisabled(db(), disabled.id, true);
    await setPreferences(db(), quiet.id, [{ kind: "org.member_added", inApp: false, email: false }]);
    await setPreferences(db(), inAppOnly.id, [{ kind: "org.member_added", inApp: true, email: false }]);
    // a preference for another kind does not matter
    await setPreferences(db(), quiet.id, [{ kind: "security.token_created", inApp: true, email: true }]);

    const res = await notify(db(), {
      userIds: [quiet.id, inAppOnly.id, noEmail.id, disabled.id],
      kind: "org.member_added",
      title: "Added",
    });
    expect(res).toEqual({ inApp: 2, emails: 0 });
    expect(await inbox(quiet)).toHaveLength(0);
    expect(await inbox(inAppOnly)).toHaveLength(1);
    expect(await inbox(noEmail)).toHaveLength(1);
    expect(await inbox(disabled)).toHaveLength(0);
    expect(await queuedMail(quiet.email!, inAppOnly.email!, disabled.email!)).toHaveLength(0);
  });

  it("reaches an org's members by role, minus the excepted users", async () => {
    const [leader, dev, reporter, outsider] = [await user(), await user(), await user(), await user()];
    const org = await createOrg(db(), {
      name: "Notify Org",
      source: "local",
      members: [
        { userId: leader.id, role: "leader" },
        { userId: dev.id, role: "developer" },
        { userId: reporter.id, role: "reporter" },
      ],
    });
    await notify(db(), { orgId: org.id, roles: ["leader", "developer"], kind: "org.member_added", title: "Leaders and devs" });
    expect(await inbox(leader)).toHaveLength(1);
    expect(await inbox(dev)).toHaveLength(1);
    expect(await inbox(reporter)).toHaveLength(0);
    expect(await inbox(outsider)).toHaveLength(0);

    await notify(db(), { orgId: org.id, roles: "all", kind: "org.member_added", title: "Everyone but the leader", exceptUserIds: [leader.id] });
    // several selectors reach each person once
    await notify(db(), { orgId: org.id, roles: ["reporter"], userIds: [reporter.id, outsider.id], kind: "org.member_added", title: "Once each" });
    expect(await inbox(outsider)).toHaveLength(1);
    expect(await inbox(reporter)).toHaveLength(2);
    expect(await inbox(leader)).toHaveLength(1);
    expect((await inbox(dev))[0].orgId).toBe(org.id);
  });

  it("sends admin-only kinds to administrators only", async () => {
    const admin = await user({ isAdmin: true });
    const plain = await user();
    await notify(db(), { admins: true, kind: "ldap.sync_failed", title: "LDAP sync failed" });
    await notify(db(), { userIds: [plain.id], kind: "ldap.sync_failed", title: "LDAP sync failed" });
    expect(await inbox(admin)).toHaveLength(1);
    expect(await inbox(plain)).toHaveLength(0);
    expect((await getPreferences(db(), plain)).map((p) => p.kind)).not.toContain("ldap.sync_failed");
    expect((await getPreferences(db(), admin)).map((p) => p.kind)).toContain("ldap.sync_failed");
  });

  it("commits nothing, neither rows nor email jobs, when the caller's transaction rolls back", async () => {
    const u = await user();
    await expect(
      db().transaction(async (tx) => {
        await notify(tx, { userIds: [u.id], kind: "org.member_added", title: "Rolled back" });
        expect(await tx.select().from(notifications).where(eq(notifications.userId, u.id))).toHaveLength(1);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await inbox(u)).toHaveLength(0);
    expect(await queuedMail(u.email!)).toHaveLength(0);

    await db().transaction((tx) => notify(tx, { userIds: [u.id], kind: "org.member_added", title: "Committed" }));
    expect(await inbox(u)).toHaveLength(1);
    expect(await queuedMail(u.email!)).toHaveLength(1);
  });
});

describe("notification centre", () => {
  it("pages newest first, counts unread, and marks only the owner's notifications read", async () => {
    const u = await user();
    const other = await user();
    for (let i = 1; i <= 7; i++) await notify(db(), { userIds: [u.id], kind: "org.member_added", title: `N${i}` });
    await notify(db(), { userIds: [other.id], kind: "org.member_added", title: "Not yours" });

    const first = await listNotifications(db(), u.id, { limit: 3 });
    expect(first.items.map((i) => i.title)).toEqual(["N7", "N6", "N5"]);
    const second = await listNotifications(db(), u.id, { limit: 3, cursor: first.nextCursor });
    expect(second.items.map((i) => i.title)).toEqual(["N4", "N3", "N2"]);
    const third = await listNotifications(db(), u.id, { limit: 3, cursor: second.nextCursor });
    expect(third.items.map((i) => i.title)).toEqual(["N1"]);
    expect(third.nextCursor).toBeNull();
    expect(await unreadCount(db(), u.id)).toBe(7);

    const [theirs] = await inbox(other);
    expect(await markRead(db(), u.id, [first.items[0].id, theirs.id])).toBe(1);
    expect(await unreadCount(db(), u.id)).toBe(6);
    expect(await unreadCount(db(), other.id)).toBe(1);
    expect((await listNotifications(db(), u.id, { limit: 10, unreadOnly: true })).items).toHaveLength(6);

    expect(await markUnread(db(), u.id, [first.items[0].id])).toBe(1);
    expect(await markAllRead(db(), u.id)).toBe(7);
    expect(await unreadCount(db(), u.id)).toBe(0);
    expect(await unreadCount(db(), other.id)).toBe(1);
  });

  it("shows defaults until a user saves preferences, then their choices", async () => {
    const u = await user();
    const defaults = await getPreferences(db(), u);
    expect(defaults.find((p) => p.kind === "org.member_added")).toMatchObject({ inApp: true, email: true, label: "Added to an organization" });
    await setPreferences(db(), u.id, [
      { kind: "org.member_added", inApp: true, email: false },
      { kind: "security.token_created", inApp: false, email: true },
    ]);
    await setPreferences(db(), u.id, [{ kind: "org.member_added", inApp: false, email: false }]);
    const saved = await getPreferences(db(), u);
    expect(saved.find((p) => p.kind === "org.member_added")).toMatchObject({ inApp: false, email: false });
    expect(saved.find((p) => p.kind === "security.token_created")).toMatchObject({ inApp: false, email: true });
    expect(saved.find((p) => p.kind === "security.password_changed")).toMatchObject({ inApp: true, email: true });
    const [{ count }] = await db().execute<{ count: number }>(sql`select count(*)::int as count from notification_preferences where user_id = ${u.id}`);
    expect(count).toBe(2);
  });
});
