import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinderboxRuns, tinderboxSchedules } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { callerAs, trpcCode } from "@/test/support/trpc";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { createOrg, type Org } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { cronOf, getSchedule, nextScheduledRun, runDueTinderboxes, SCHEDULE_TTL_MS } from "./schedule";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-tbsched-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "t".repeat(40), PUBLIC_URL: "http://rookery.test" });

let org: Org;
let lead: User;
let dev: User;
let puppetDir = "";

async function setSchedule(schedule: string) {
  const develop = (await runGit(["rev-parse", "refs/heads/develop"], { cwd: puppetDir })).stdout.trim();
  await commitFiles(puppetDir, { branch: "develop", parent: develop, files: { ".rookery/tinderbox.yaml": `schedule: "${schedule}"\n` }, message: "schedule" });
}

const runsOfOrg = () => db().select().from(tinderboxRuns).where(eq(tinderboxRuns.orgId, org.id));

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  lead = await createLocalUser(db(), { username: "ts-lead", password: "Tinder-pass-2026", displayName: "Lea Lead" });
  dev = await createLocalUser(db(), { username: "ts-dev", password: "Tinder-pass-2026", displayName: "Dev" });
  org = await createOrg(db(), {
    name: "tbsched",
    source: "local",
    members: [
      { userId: lead.id, role: "leader" },
      { userId: dev.id, role: "developer" },
    ],
  });
  puppetDir = await ensureRepoOnDisk(db(), (await getRepo(db(), "tbsched", "puppet"))!);
}, 60_000);

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("schedule expressions", () => {
  it("turns presets into cron at a minute of the organization's own, and parses 5-field cron with cron-parser", () => {
    const id = "7d0c6a53-2a0e-4d1e-9b8c-1f2e3d4c5b6a";
    const m = Number(cronOf("daily", id)!.split(" ")[0]);
    expect(cronOf("daily", id)).toBe(`${m} 4 * * *`);
    expect(cronOf("hourly", id)).toBe(`${m} * * * *`);
    expect(cronOf("weekly", id)).toBe(`${m} 4 * * 1`);
    expect(cronOf("off", id)).toBeNull();
    expect(nextScheduledRun("30 2 * * *", id, new Date("2026-01-01T03:00:00Z"))?.toISOString()).toBe("2026-01-02T02:30:00.000Z");
    expect(nextScheduledRun("daily", id, new Date("2026-01-01T00:00:00Z"))?.toISOString()).toBe(`2026-01-01T04:${String(m).padStart(2, "0")}:00.000Z`);
    expect(nextScheduledRun("off", id, new Date())).toBeNull();
    expect(nextScheduledRun("not a cron", id, new Date())).toBeNull();
  });
});

describe("the schedule fan-out", () => {
  it("reads the schedule once, starts a run only when due, once, and re-reads the file at most hourly", async () => {
    await setSchedule("*/10 * * * *");
    const t0 = new Date("2030-01-01T10:01:00Z");
    let r = await runDueTinderboxes(db(), t0);
    expect(r.refreshed).toBeGreaterThanOrEqual(1);
    expect(r.started).not.toContain(org.id);
    const row = (await getSchedule(db(), org.id))!;
    expect(row.schedule).toBe("*/10 * * * *");
    // the first read counts as the start: next due 10:10
    await db().update(tinderboxSchedules).set({ createdAt: t0 }).where(eq(tinderboxSchedules.orgId, org.id));

    r = await runDueTinderboxes(db(), new Date("2030-01-01T10:05:00Z"));
    expect(r.refreshed).toBe(0); // cached: no git read within the hour
    expect(r.started).not.toContain(org.id);

    r = await runDueTinderboxes(db(), new Date("2030-01-01T10:10:00Z"));
    expect(r.started).toEqual([org.id]);
    const runs = await runsOfOrg();
    expect(runs.map((x) => [x.trigger, x.status])).toEqual([["schedule", "queued"]]);
    // the same minute again (a second worker): not started twice
    r = await runDueTinderboxes(db(), new Date("2030-01-01T10:10:30Z"));
    expect(r.started).toEqual([]);

    // a change on develop is picked up when the cache is an hour old, not before
    await setSchedule("off");
    r = await runDueTinderboxes(db(), new Date("2030-01-01T10:20:00Z"));
    expect(r.started).toEqual([org.id]);
    r = await runDueTinderboxes(db(), new Date(new Date("2030-01-01T10:01:00Z").getTime() + SCHEDULE_TTL_MS + 60_000));
    expect(r.refreshed).toBeGreaterThanOrEqual(1);
    expect(r.started).toEqual([]);
    expect((await getSchedule(db(), org.id))!.schedule).toBe("off");
  }, 60_000);

  it("keeps the default (daily) with the error when the file is invalid", async () => {
    await setSchedule("every tuesday");
    await db()
      .update(tinderboxSchedules)
      .set({ checkedAt: new Date(0) })
      .where(eq(tinderboxSchedules.orgId, org.id));
    await runDueTinderboxes(db(), new Date("2030-01-02T00:00:00Z"));
    const row = (await getSchedule(db(), org.id))!;
    expect(row.schedule).toBe("daily");
    expect(row.error).toMatch(/schedule/);
  }, 60_000);
});

describe("Run tinderbox now", () => {
  it("queues a run for leaders; developers are refused", async () => {
    expect(await trpcCode(callerAs(db)(dev).tinderbox.runNow({ slug: "tbsched" }))).toBe("FORBIDDEN");
    const before = (await runsOfOrg()).length;
    const res = await callerAs(db)(lead).tinderbox.runNow({ slug: "tbsched" });
    expect(res.runId).toBeTruthy();
    const runs = await runsOfOrg();
    expect(runs.length).toBe(before + 1);
    expect(runs.find((x) => x.id === res.runId)).toMatchObject({ trigger: "manual", triggeredById: lead.id, status: "queued" });
    const view = await callerAs(db)(lead).tinderbox.runs({ slug: "tbsched" });
    expect(view.canRun).toBe(true);
    expect(view.mine?.id).toBe(res.runId);
    expect((await callerAs(db)(dev).tinderbox.runs({ slug: "tbsched" })).canRun).toBe(false);
  }, 60_000);
});
