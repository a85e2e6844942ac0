import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { farmSchedules } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { commitTestTree } from "@/test/support/gentoo-tree";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { getPipeline } from "@/server/runners/pipelines";
import { ensureFarmDefaults } from "./catalog";
import { loadBranchProfiles } from "./repo";
import { createSchedule, nextRun, normalizeTrigger, runDueSchedules, runMergeSchedules } from "./schedules";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-farm-schedules-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "https://rookery.example.com" });
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  await commitTestTree(db(), ["development", "staging", "production"]);
  await loadBranchProfiles(db());
});

describe("build schedules", () => {
  it("accepts presets, merge and cron expressions; explains the rest", () => {
    expect(normalizeTrigger("daily")).toBe("0 3 * * *");
    expect(normalizeTrigger("weekly")).toBe("0 3 * * 0");
    expect(normalizeTrigger("monthly")).toBe("0 3 1 * *");
    expect(normalizeTrigger("merge")).toBe("merge");
    expect(normalizeTrigger(" 30 2 * * 1-5 ")).toBe("30 2 * * 1-5");
    expect(() => normalizeTrigger("every day")).toThrow(/daily, weekly, monthly, merge, or a cron expression/);
    expect(() => normalizeTrigger("61 * * * *")).toThrow(/Not a valid cron expression/);
    expect(nextRun({ trigger: "0 3 * * *" }, new Date("2026-11-25T10:00:00Z"))).toEqual(new Date("2026-11-26T03:00:00Z"));
    expect(nextRun({ trigger: "merge" }, new Date())).toBeNull();
  });

  it("starts a cron schedule once when its time has come, then waits for the next occurrence", async () => {
    const s = await createSchedule(
      db(),
      { environment: "development", arch: "amd64", target: "linux", isStack: false, variant: "incremental", trigger: "daily" },
      null,
    );
    await db()
      .update(farmSchedules)
      .set({ createdAt: new Date("2026-11-25T02:00:00Z") })
      .where(eq(farmSchedules.id, s.id));
    expect((await runDueSchedules(db(), new Date("2026-11-25T02:59:00Z"))).started).toEqual([]);
    const due = new Date("2026-11-25T03:00:30Z");
    const [first, second] = await Promise.all([runDueSchedules(db(), due), runDueSchedules(db(), due)]);
    const started = [...first.started, ...second.started];
    expect(started).toHaveLength(1);
    const p = (await getPipeline(db(), started[0]))!;
    expect(p).toMatchObject({ source: "farm", ref: "development" });
    expect(p.jobs.map((j) => j.name)).toEqual(["build.development.amd64.linux"]);
    expect((await runDueSchedules(db(), new Date("2026-11-25T12:00:00Z"))).started).toEqual([]);
    expect((await runDueSchedules(db(), new Date("2026-11-26T03:00:01Z"))).started).toHaveLength(1);
  });

  it("builds merge-triggered schedules when their environment's branch moves, and records what went wrong", async () => {
    await createSchedule(
      db(),
      { environment: "production", arch: "amd64", target: "rails-stack", isStack: true, variant: "incremental", trigger: "merge" },
      null,
    );
    const broken = await createSchedule(
      db(),
      { environment: "development", arch: "amd64", target: "nosuch", isStack: false, variant: "clean", trigger: "merge" },
      null,
    );
    expect((await runMergeSchedules(db(), ["feature/php"])).started).toEqual([]);
    const prod = await runMergeSchedules(db(), ["master"]);
    expect(prod.started).toHaveLength(1);
    expect((await getPipeline(db(), prod.started[0]))!.jobs.map((j) => j.name).sort()).toEqual([
      "build.production.amd64.linux",
      "build.production.amd64.rails",
      "build.production.amd64.ruby",
    ]);
    expect((await runMergeSchedules(db(), ["develop"])).started).toEqual([]);
    const [row] = await db().select().from(farmSchedules).where(eq(farmSchedules.id, broken.id));
    expect(row.lastError).toMatch(/No profile nosuch/);
  });

  it("refuses unknown environments and architectures with the field to fix", async () => {
    await expect(
      createSchedule(db(), { environment: "qa", arch: "amd64", target: "linux", isStack: false, variant: "clean", trigger: "daily" }, null),
    ).rejects.toMatchObject({ field: "environment" });
    await expect(
      createSchedule(db(), { environment: "development", arch: "sparc", target: "linux", isStack: false, variant: "clean", trigger: "daily" }, null),
    ).rejects.toMatchObject({ field: "arch" });
  });
});
