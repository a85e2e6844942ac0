import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { callerAs, trpcCode as code } from "@/test/support/trpc";
import { instanceCounts } from "@/server/admin";
import { createOrg } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";

const db = testDatabase();
const pw = "Sturdy-pass-2026";

const as = callerAs(db);

async function fieldOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    const cause = (e as TRPCError).cause as { field?: string; message: string };
    return { field: cause.field, message: cause.message };
  }
  throw new Error("expected a failure");
}

describe("admin, jobs, audit and search routers", () => {
  let admin: User, leader: User, member: User, outsider: User;
  let before: Awaited<ReturnType<typeof instanceCounts>>;

  it("sets up people and orgs", async () => {
    before = await instanceCounts(db());
    admin = await createLocalUser(db(), { username: "r-admin", password: pw, isAdmin: true });
    leader = await createLocalUser(db(), { username: "r-leader", password: pw });
    member = await createLocalUser(db(), { username: "r-member", password: pw });
    outsider = await createLocalUser(db(), { username: "r-outsider", password: pw });
    await createOrg(db(), {
      name: "Router Works",
      source: "local",
      members: [
        { userId: leader.id, role: "leader" },
        { userId: member.id, role: "developer" },
      ],
    });
    await createOrg(db(), { name: "Hidden Hollow", source: "local" });
  });

  it("keeps the admin area for admins: others are refused, anonymous must sign in", async () => {
    for (const call of [
      (c: ReturnType<typeof as>) => c.admin.overview(),
      (c: ReturnType<typeof as>) => c.admin.users({}),
      (c: ReturnType<typeof as>) => c.admin.orgs({}),
      (c: ReturnType<typeof as>) => c.jobs.list({}),
      (c: ReturnType<typeof as>) => c.audit.list({}),
      (c: ReturnType<typeof as>) => c.admin.setAdmin({ userId: outsider.id, isAdmin: true }),
      (c: ReturnType<typeof as>) => c.jobs.retry({ id: outsider.id }),
    ]) {
      expect(await code(call(as(leader)))).toBe("FORBIDDEN");
      expect(await code(call(as(null)))).toBe("UNAUTHORIZED");
    }
    const overview = await as(admin).admin.overview();
    expect(overview.counts).toMatchObject({ users: before.users + 4, orgs: before.orgs + 2, archivedOrgs: before.archivedOrgs, admins: before.admins + 1 });
    expect(overview.lastSync).toBeNull();
  });

  it("creates local users with field errors for bad input", async () => {
    expect(await fieldOf(as(admin).admin.createUser({ username: "r-new", password: "short", isAdmin: false }))).toEqual({
      field: "password",
      message: "Password must be at least 12 characters",
    });
    expect(await fieldOf(as(admin).admin.createUser({ username: "r-leader", password: pw, isAdmin: false }))).toEqual({
      field: "username",
      message: "A user with this username already exists",
    });
    expect(await code(as(admin).admin.createUser({ username: "r-new", password: pw, email: "not-an-email", isAdmin: false }))).toBe("BAD_REQUEST");
    const created = await as(admin).admin.createUser({ username: "R-New", displayName: "Newbie", email: "new@example.test", password: pw, isAdmin: true });
    expect(created.username).toBe("r-new");
    const page = await as(admin).admin.users({ q: "r-new" });
    expect(page.items).toEqual([expect.objectContaining({ username: "r-new", displayName: "Newbie", isAdmin: true, source: "local" })]);
  });

  it("changes other accounts but not your own", async () => {
    await as(admin).admin.setAdmin({ userId: member.id, isAdmin: true });
    await as(admin).admin.setAdmin({ userId: member.id, isAdmin: false });
    await as(admin).admin.setDisabled({ userId: outsider.id, disabled: true });
    expect((await as(admin).admin.users({ q: "r-outsider" })).items[0].disabledAt).toBeInstanceOf(Date);
    await as(admin).admin.setDisabled({ userId: outsider.id, disabled: false });
    expect(await fieldOf(as(admin).admin.setAdmin({ userId: admin.id, isAdmin: false }))).toMatchObject({ field: "userId" });
  });

  it("records every mutation in the audit log, filterable by action, user and date", async () => {
    const created = await as(admin).audit.list({ action: "admin.createUser" });
    expect(created.items.map((e) => [e.outcome, e.targetId])).toEqual([
      ["success", "r-new"],
      ["failure", null],
      ["failure", "r-leader"],
      ["failure", "r-new"],
    ]);
    const denied = await as(admin).audit.list({ user: "r-leader" });
    expect(denied.items.map((e) => [e.action, e.outcome])).toEqual([
      ["jobs.retry", "denied"],
      ["admin.setAdmin", "denied"],
    ]);
    expect(await as(admin).audit.actions({})).toEqual(expect.arrayContaining(["admin.createUser", "admin.setAdmin", "admin.setDisabled", "jobs.retry"]));
    const today = new Date().toISOString().slice(0, 10);
    expect((await as(admin).audit.list({ action: "admin.setDisabled", from: today, to: today })).items).toHaveLength(2);
    expect((await as(admin).audit.list({ action: "admin.setDisabled", to: "2000-01-01" })).items).toHaveLength(0);
    expect(await code(as(admin).audit.list({ from: "yesterday" }))).toBe("BAD_REQUEST");

    const first = await as(admin).audit.list({});
    expect(first.items.length).toBeGreaterThan(5);
  });

  it("shows an org's log to its leaders only; everyone else gets 404", async () => {
    await as(leader).orgs.addMember({ slug: "router-works", username: "r-outsider", role: "reporter" });
    await as(leader).orgs.removeMember({ slug: "router-works", userId: outsider.id });
    const log = await as(leader).audit.list({ slug: "router-works" });
    expect(log.items.map((e) => [e.action, e.orgSlug])).toEqual([
      ["orgs.removeMember", "router-works"],
      ["orgs.addMember", "router-works"],
    ]);
    expect(await as(leader).audit.actions({ slug: "router-works" })).toEqual(["orgs.addMember", "orgs.removeMember"]);
    expect((await as(admin).audit.list({ slug: "router-works" })).items).toHaveLength(2);
    expect(await code(as(member).audit.list({ slug: "router-works" }))).toBe("FORBIDDEN");
    expect(await code(as(outsider).audit.list({ slug: "router-works" }))).toBe("NOT_FOUND");
    expect(await code(as(leader).audit.list({ slug: "hidden-hollow" }))).toBe("NOT_FOUND");
    expect(await code(as(leader).audit.list({ slug: "no-such-org" }))).toBe("NOT_FOUND");
  });

  it("pages the audit log with an Older cursor", async () => {
    for (let i = 0; i < 3; i++) await as(admin).admin.setDisabled({ userId: outsider.id, disabled: i % 2 === 0 });
    const all = (await as(admin).audit.list({ action: "admin.setDisabled" })).items.map((e) => e.id);
    expect(all).toHaveLength(5);
    const ids: number[] = [];
    let cursor: number | undefined;
    // listAudit pages by 50; walk the whole log and check the order is strictly older.
    do {
      const page = await as(admin).audit.list({ cursor });
      ids.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("searches the orgs a user can see, and users for admins", async () => {
    expect((await as(member).search.query({ q: "works" })).orgs.map((o) => [o.slug, o.role, o.memberCount])).toEqual([["router-works", "developer", 2]]);
    expect((await as(member).search.query({ q: "hollow" })).orgs).toEqual([]);
    expect((await as(member).search.query({ q: "r-" })).users).toBeNull();
    // admins see every org, members or not
    const adminView = [...(await as(admin).search.query({ q: "hidden" })).orgs, ...(await as(admin).search.query({ q: "router" })).orgs];
    expect(adminView.map((o) => o.slug)).toEqual(expect.arrayContaining(["hidden-hollow", "router-works"]));
    expect((await as(admin).search.query({ q: "hollow" })).orgs.map((o) => [o.slug, o.role])).toEqual([["hidden-hollow", null]]);
    expect((await as(admin).search.query({ q: "r-lead" })).users?.map((u) => u.username)).toEqual(["r-leader"]);
    expect((await as(admin).search.query({ q: "%%" })).orgs).toEqual([]); // LIKE wildcards are taken literally
    expect(await as(admin).search.query({ q: " o " })).toMatchObject({ tooShort: true, orgs: [], repos: [], mergeRequests: [], users: null });
  });
});
