import { and, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { auditEvents, notifications } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { authenticate, INVALID_CREDENTIALS } from "@/server/auth/login";
import type { Actor } from "@/server/auth/policy";
import { verifyToken } from "@/server/auth/tokens";
import { stopBoss } from "@/server/jobs";
import { createLocalUser, getUserById, upsertLdapUser, type User } from "@/server/users";
import { createCallerFactory } from "../trpc";
import { meRouter } from "./me";

const ADDRESS = "198.51.100.7";

const db = testDatabase();
afterAll(stopBoss);

/** The me router as this user would call it (optionally through a token of that scope). */
async function as(user: User, tokenScope?: "read" | "write") {
  const fresh = (await getUserById(db(), user.id))!;
  const actor: Actor = { kind: "user", id: fresh.id, username: fresh.username, isAdmin: fresh.isAdmin, tokenScope };
  return createCallerFactory(meRouter)({ db: db(), user: fresh, actor, audit: {} });
}

const local = (username: string) => createLocalUser(db(), { username, password: "Original-secret-1", email: `${username}@example.test` });

async function notificationsOf(user: User, kind: string) {
  return db()
    .select()
    .from(notifications)
    .where(and(eq(notifications.userId, user.id), eq(notifications.kind, kind)));
}

describe("me.createToken / revokeToken", () => {
  it("creates a token that works, tells the user (in-app + email job), and audits without the secret", async () => {
    const u = await local("tokuser");
    const { id, token } = await (await as(u)).createToken({ name: "laptop", scope: "write", expiresAt: new Date(Date.now() + 7 * 86_400_000) });
    expect((await verifyToken(db(), token))?.user.id).toBe(u.id);

    const [n] = await notificationsOf(u, "security.token_created");
    expect(n).toMatchObject({ title: 'Personal access token "laptop" was created', link: "/settings/tokens" });
    const jobs = await db().execute<{ n: number }>(sql`select count(*)::int as n from pgboss.job where name = 'notify-email' and data->>'to' = ${u.email}`);
    expect(jobs[0].n).toBe(1);

    const [audit] = await db().select().from(auditEvents).where(eq(auditEvents.action, "createToken"));
    expect(audit).toMatchObject({ actorId: u.id, targetType: "token", targetId: id, outcome: "success" });
    expect(JSON.stringify(audit)).not.toContain(token);

    const listed = await (await as(u)).tokens();
    expect(listed.map((t) => t.name)).toEqual(["laptop"]);
    expect(JSON.stringify(listed)).not.toContain(token);

    await (await as(u)).revokeToken({ id });
    expect(await verifyToken(db(), token)).toBeNull();
  });

  it("refuses an expiry in the past, a blank name, and read-only tokens", async () => {
    const u = await local("tokuser2");
    const me = await as(u);
    await expect(me.createToken({ name: "old", scope: "read", expiresAt: new Date(Date.now() - 1000) })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Expiry must be in the future",
    });
    await expect(me.createToken({ name: "  ", scope: "read", expiresAt: null })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect((await as(u, "read")).createToken({ name: "sneaky", scope: "write", expiresAt: null })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await me.tokens()).toHaveLength(0);
    expect(await notificationsOf(u, "security.token_created")).toHaveLength(0);
  });

  it("does not let a user revoke someone else's token", async () => {
    const owner = await local("tokowner");
    const thief = await local("tokthief");
    const { id, token } = await (await as(owner)).createToken({ name: "mine", scope: "read", expiresAt: null });
    await expect((await as(thief)).revokeToken({ id })).rejects.toMatchObject({ code: "BAD_REQUEST", message: "No such active token" });
    expect(await verifyToken(db(), token)).not.toBeNull();
  });
});

describe("me.changePassword", () => {
  it("changes a local password after checking the current one, and notifies the user", async () => {
    const u = await local("pwuser");
    await (await as(u)).changePassword({ current: "Original-secret-1", password: "Brand-new-secret-2", confirm: "Brand-new-secret-2" });
    await expect(authenticate(db(), "pwuser", "Original-secret-1", ADDRESS)).rejects.toThrow(INVALID_CREDENTIALS);
    expect((await authenticate(db(), "pwuser", "Brand-new-secret-2", ADDRESS)).id).toBe(u.id);
    expect(await notificationsOf(u, "security.password_changed")).toHaveLength(1);
  });

  it("explains each refusal on its field", async () => {
    const u = await local("pwuser2");
    const me = await as(u);
    const attempt = (current: string, password: string, confirm = password) => me.changePassword({ current, password, confirm });
    await expect(attempt("Original-secret-1", "Brand-new-secret-2", "Brand-new-secret-3")).rejects.toMatchObject({
      cause: { field: "confirm", message: "Passwords do not match" },
    });
    await expect(attempt("Original-secret-1", "short")).rejects.toMatchObject({
      cause: { field: "password", message: "Password must be at least 12 characters" },
    });
    await expect(attempt("Original-secret-1", "pwuser2-is-my-password")).rejects.toMatchObject({ cause: { field: "password" } });
    await expect(attempt("Wrong-secret-99", "Brand-new-secret-2")).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { field: "current", message: "Current password is incorrect" },
    });
    await expect(attempt("Original-secret-1", "Original-secret-1")).rejects.toMatchObject({ cause: { field: "password" } });
    expect((await authenticate(db(), "pwuser2", "Original-secret-1", ADDRESS)).id).toBe(u.id);
    expect(await notificationsOf(u, "security.password_changed")).toHaveLength(0);
  });

  it("locks password changes after five wrong current passwords, without locking the owner out of signing in", async () => {
    const u = await local("pwuser3");
    const me = await as(u);
    for (let i = 0; i < 5; i++)
      await expect(me.changePassword({ current: `Guess-number-${i}`, password: "Brand-new-secret-2", confirm: "Brand-new-secret-2" })).rejects.toMatchObject({
        cause: { field: "current" },
      });
    await expect(me.changePassword({ current: "Original-secret-1", password: "Brand-new-secret-2", confirm: "Brand-new-secret-2" })).rejects.toMatchObject({
      cause: { field: "current", message: expect.stringMatching(/Too many failed attempts/) },
    });
    // Whoever guessed holds a session already; the owner signing in elsewhere is not locked out.
    expect((await authenticate(db(), "pwuser3", "Original-secret-1", ADDRESS)).username).toBe("pwuser3");
  });

  it("refuses directory users, whose password lives in LDAP", async () => {
    const { user } = await upsertLdapUser(db(), { dn: "uid=ldapper,ou=people,dc=rookery,dc=test", username: "ldapper", displayName: "L", email: null });
    await expect(
      (await as(user)).changePassword({ current: "whatever-1", password: "Brand-new-secret-2", confirm: "Brand-new-secret-2" }),
    ).rejects.toMatchObject({ cause: { field: "current", message: expect.stringMatching(/LDAP/) } });
  });
});

describe("me.updateProfile", () => {
  it("lets local users edit name and email, but not directory users", async () => {
    const u = await local("profiler");
    await (await as(u)).updateProfile({ displayName: "Pro Filer", email: "pro@example.test" });
    expect(await (await as(u)).get()).toMatchObject({ displayName: "Pro Filer", email: "pro@example.test", source: "local" });
    await (await as(u)).updateProfile({ displayName: "Pro Filer", email: "" });
    expect((await getUserById(db(), u.id))!.email).toBeNull();
    await expect((await as(u)).updateProfile({ displayName: "Pro", email: "not-an-address" })).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const { user } = await upsertLdapUser(db(), { dn: "uid=dir,ou=people,dc=rookery,dc=test", username: "dir", displayName: "Dir", email: null });
    await expect((await as(user)).updateProfile({ displayName: "Renamed", email: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
