import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { loadConfig } from "@/server/config";
import { getBoss, queues, stopBoss } from "@/server/jobs";
import { ldapSyncJob } from "@/server/ldap/sync";
import { handlerOf } from "@/workers/handlers";
import { createLocalUser, type User } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { callerAs, trpcCode as code } from "@/test/support/trpc";
import { LDAP_SERVICE_PASSWORD } from "@/test/support/slapd";

const db = testDatabase();
afterAll(stopBoss);
const pw = "Sturdy-pass-2026";

const as = callerAs(db);

describe("ldap router", () => {
  let admin: User, user: User;

  it("is for admins only", async () => {
    admin = await createLocalUser(db(), { username: "l-admin", password: pw, isAdmin: true });
    user = await createLocalUser(db(), { username: "l-user", password: pw });
    expect(await code(as(null).ldap.status())).toBe("UNAUTHORIZED");
    expect(await code(as(user).ldap.status())).toBe("FORBIDDEN");
    expect(await code(as(user).ldap.syncNow())).toBe("FORBIDDEN");
    const [denied] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "ldap.syncNow"), eq(auditEvents.actorName, "l-user")));
    expect(denied.outcome).toBe("denied");
  });

  it("shows the configuration without the bind password, and no runs yet", async () => {
    const status = await as(admin).ldap.status();
    expect(status.configured).toBe(true);
    expect(status.config).toMatchObject({
      url: process.env.LDAP_URL,
      bindDn: process.env.LDAP_BIND_DN,
      groups: { leader: "leaders", developer: "members", reporter: "reporters" },
    });
    expect(JSON.stringify(status)).not.toContain(LDAP_SERVICE_PASSWORD);
    expect(status.runs.items).toEqual([]);
    expect(status.latest).toBeNull();
  });

  it("queues a manual sync whose run names the admin", async () => {
    const { jobId } = await as(admin).ldap.syncNow();
    expect(jobId).toBeTruthy();
    const job = await (await getBoss()).getJobById(queues.ldapSync.name, jobId!);
    expect(job?.data).toEqual({ trigger: "manual", triggeredBy: admin.id });
    expect(job?.retryLimit).toBe(0);

    // What the worker does with it.
    await handlerOf(queues.ldapSync).handle(job!.data);
    const status = await as(admin).ldap.status();
    expect(status.latest).toMatchObject({ status: "success" });
    expect(status.runs.items[0]).toMatchObject({ trigger: "manual", triggeredBy: "l-admin", status: "success" });
    expect(status.runs.items[0].orgsAdded).toBeGreaterThanOrEqual(3);
  });

  it("fails the job when the run fails, and refuses to queue without LDAP", async () => {
    const saved = process.env.LDAP_URL;
    try {
      process.env.LDAP_URL = "ldap://127.0.0.1:9";
      loadConfig();
      await expect(ldapSyncJob({ trigger: "schedule" })).rejects.toThrow(/LDAP sync failed: Directory unavailable/);
      delete process.env.LDAP_URL;
      loadConfig();
      expect(await code(as(admin).ldap.syncNow())).toBe("PRECONDITION_FAILED");
      expect((await as(admin).ldap.status()).configured).toBe(false);
    } finally {
      process.env.LDAP_URL = saved;
      loadConfig();
    }
    const { items } = (await as(admin).ldap.status()).runs;
    expect(items[0]).toMatchObject({ trigger: "schedule", status: "failed" });
  });
});
