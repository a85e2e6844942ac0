import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { publishBuild, pruneBinhost } from "@/server/farm/binhost";
import { ensureFarmDefaults } from "@/server/farm/catalog";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { createLocalUser, type User } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { makeGpkg } from "@/test/support/gpkg";
import { callerAs, trpcCode } from "@/test/support/trpc";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pubbuilds-router-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test" });
const caller = callerAs(db);
const pw = "Sturdy-pass-2026";
let admin: User, user: User;
const t = { environment: "staging", arch: "amd64", profile: "linux" };

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  admin = await createLocalUser(db(), { username: "pub-admin", password: pw, isAdmin: true });
  user = await createLocalUser(db(), { username: "pub-user", password: pw });
  const fixtures = fs.mkdtempSync(path.join(dataDir, "fixtures-"));
  for (const v of ["1.0", "2.0", "3.0"])
    await publishBuild(db(), {
      ...t,
      parents: [],
      chost: "x86_64-pc-linux-gnu",
      portageProfile: "default/linux/amd64/23.0",
      baseUrl: "http://rookery.test/packages",
      files: [makeGpkg(fixtures, { category: "app-misc", pf: `hello-${v}`, buildId: 1, payload: v })],
    });
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const audited = (action: string, outcome: "success" | "denied" | "failure") =>
  db()
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), eq(auditEvents.outcome, outcome)));

it("every user reads the numbered builds; only administrators write notes, tag and roll back, each audit-logged", async () => {
  const list = await caller(user).publishedBuilds.list(t);
  expect(list.builds.map((b) => b.number)).toEqual([3, 2, 1]);
  expect([list.canManage, list.canRollback]).toEqual([false, false]);
  expect((await caller(user).publishedBuilds.compare({ ...t, from: 3, to: 1 })).changes).toEqual([
    { package: "app-misc/hello", from: "3.0", to: "1.0", kind: "downgraded" },
  ]);
  expect(await trpcCode(caller(user).publishedBuilds.rollback({ ...t, number: 1 }))).toBe("FORBIDDEN");
  expect(await trpcCode(caller(user).publishedBuilds.tag({ ...t, number: 1, name: "stable" }))).toBe("FORBIDDEN");
  expect(await trpcCode(caller(user).publishedBuilds.setNotes({ ...t, number: 1, notes: "x" }))).toBe("FORBIDDEN");
  expect(await trpcCode(caller(null).publishedBuilds.list(t))).toBe("UNAUTHORIZED");
  expect(await trpcCode(caller(user).publishedBuilds.get({ ...t, number: 7 }))).toBe("NOT_FOUND");

  await caller(admin).publishedBuilds.setNotes({ ...t, number: 2, notes: "Known good" });
  expect(await caller(admin).publishedBuilds.tag({ ...t, number: 2, name: "stable" })).toEqual({ number: 2, movedFrom: null });
  expect(await trpcCode(caller(admin).publishedBuilds.tag({ ...t, number: 2, name: "Bad Tag" }))).toBe("BAD_REQUEST");
  const preview = await caller(admin).publishedBuilds.rollbackPreview({ ...t, number: 2 });
  expect(preview.changes).toEqual([{ package: "app-misc/hello", from: "3.0", to: "2.0", kind: "downgraded" }]);
  expect(await caller(admin).publishedBuilds.rollback({ ...t, number: 2 })).toMatchObject({ number: 2, previousLive: 3 });
  const got = await caller(user).publishedBuilds.get({ ...t, number: 2 });
  expect([got.live, got.notes, got.tags]).toEqual([true, "Known good", ["stable"]]);

  const [rollback] = await audited("publishedBuilds.rollback", "success");
  expect(rollback).toMatchObject({ outcome: "success", targetType: "binhost_build", targetId: "staging/amd64/linux#2" });
  expect(rollback.details).toMatchObject({ rolledBackFrom: 3, to: 2 });
  expect((await audited("publishedBuilds.tag", "success"))[0]).toMatchObject({ outcome: "success", targetId: "staging/amd64/linux#2" });
});

it("a rollback to a build retention removed is refused with the reason, and the refusal is audit-logged", async () => {
  // 2 is live and tagged, 3 is the newest other: keep 1 removes build 1 only
  expect((await pruneBinhost(db(), 1, 0)).removed).toHaveLength(1);
  const refused = caller(admin).publishedBuilds.rollback({ ...t, number: 1 });
  await expect(refused).rejects.toThrow(/^Build 1 of linux \(staging\/amd64\) can no longer be served: retention deleted its files on /);
  expect(await trpcCode(caller(admin).publishedBuilds.rollback({ ...t, number: 1 }))).toBe("CONFLICT");
  const refusals = (await audited("publishedBuilds.rollback", "failure")).filter((e) => e.targetId === "staging/amd64/linux#1");
  expect(refusals).toHaveLength(2);
  expect(refusals[0]).toMatchObject({ targetType: "binhost_build", actorId: admin.id });
});
