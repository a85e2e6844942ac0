import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { commitTestTree } from "@/test/support/gentoo-mirror";
import { callerAs, trpcCode } from "@/test/support/trpc";
import { ensureFarmDefaults } from "@/server/farm/catalog";
import { publishStage } from "@/server/farm/stages";
import { serveStages } from "@/server/farm/stages-serve";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { getJob, getPipeline } from "@/server/runners/pipelines";
import { createLocalUser, type User } from "@/server/users";

/** The Stages page's procedures: admins only, refusals named by field, catalyst seeded from the published stage3. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-stages-router-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test" });
const caller = callerAs(db);
const pw = "Sturdy-pass-2026";
let admin: User, user: User;

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  admin = await createLocalUser(db(), { username: "stage-admin", password: pw, isAdmin: true });
  user = await createLocalUser(db(), { username: "stage-user", password: pw });
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe("stages router", () => {
  it("only admins see the page and start stage builds", async () => {
    expect(await trpcCode(caller(user).farmBuilds.stages())).toBe("FORBIDDEN");
    expect(await trpcCode(caller(user).farmBuilds.startStage({ environment: "development", arch: "amd64", profile: "linux" }))).toBe("FORBIDDEN");
    expect(await trpcCode(caller(user).farmBuilds.startCatalystStage({ environment: "development", arch: "amd64", stack: "rails-stack" }))).toBe("FORBIDDEN");
    const { targets, stacks } = await caller(admin).farmBuilds.stages();
    expect(targets.map((t) => `${t.environment}/${t.arch}/${t.profile}`)).toContain("development/amd64/linux");
    expect(stacks.map((t) => `${t.environment}/${t.arch}/${t.stack}`)).toContain("development/amd64/rails-stack");
  });

  it("refuses what cannot be built, naming the field", async () => {
    expect(await trpcCode(caller(admin).farmBuilds.startStage({ environment: "development", arch: "amd64", profile: "ruby" }))).toBe("BAD_REQUEST");
    await expect(caller(admin).farmBuilds.startStage({ environment: "development", arch: "amd64", profile: "ruby" })).rejects.toThrow(
      /application profile: stage3s are built from system profiles/,
    );
    await expect(caller(admin).farmBuilds.startCatalystStage({ environment: "development", arch: "amd64", stack: "rails-stack" })).rejects.toThrow(
      /Publish a stage3 of linux for development\/amd64 first/,
    );
  });

  it("a stage4 by catalyst is seeded with the published stage3, queued for runners tagged catalyst, and audited", async () => {
    await commitTestTree(db(), ["development"]);
    const work = fs.mkdtempSync(path.join(dataDir, "stage-"));
    const root = path.join(work, "root");
    fs.mkdirSync(path.join(root, "etc"), { recursive: true });
    fs.writeFileSync(path.join(root, "etc/os-release"), "NAME=Gentoo\n");
    const name = "stage3-amd64-linux-20261201T000000Z.tar.xz";
    execFileSync("tar", ["-C", root, "-cJf", path.join(work, name), "."]);
    const hash = (tool: string) => execFileSync(tool, [name], { cwd: work, encoding: "utf8" });
    fs.writeFileSync(path.join(work, `${name}.DIGESTS`), `# BLAKE2B HASH\n${hash("b2sum")}# SHA512 HASH\n${hash("sha512sum")}`);
    const row = await publishStage(db(), {
      environment: "development",
      arch: "amd64",
      name: "linux",
      kind: "stage3",
      stamp: "20261201T000000Z",
      tarball: path.join(work, name),
      digests: path.join(work, `${name}.DIGESTS`),
    });
    expect(row.signingKey).toBeNull(); // no key for development: published unsigned, no .asc served
    const anon = { kind: "anonymous" } as const;
    const get = (p: string) => serveStages(new Request(`http://rookery.test/stages/${p}`), anon, p.split("/"));
    expect((await get(`development/amd64/linux/${name}.asc`)).status).toBe(404);
    expect(await (await get("development/amd64/linux/latest-stage3.txt")).text()).toMatch(new RegExp(`\\n${name.replace(/\./g, "\\.")} ${row.bytes}\\n$`));
    expect(await (await get("development/amd64/")).text()).toContain('href="/stages/development/amd64/linux/"');

    const { pipelineId } = await caller(admin).farmBuilds.startCatalystStage({ environment: "development", arch: "amd64", stack: "rails-stack" });
    const p = (await getPipeline(db(), pipelineId))!;
    const [job] = p.jobs;
    expect(job.tags).toEqual(["catalyst"]);
    const script = (await getJob(db(), job.id))!.steps.map((s) => s.run).join("\n");
    expect(script).toContain(
      `curl -fsSL -o /var/tmp/catalyst/builds/development/stage3-amd64-linux-20261201T000000Z.tar.xz 'http://rookery.test/stages/development/amd64/linux/${name}'`,
    );
    expect(script).toMatch(/catalyst --file \/var\/tmp\/rookery\/catalyst\/stage4-rails-stack\/stage4\.spec/);
    const [audit] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.targetType, "pipeline"), eq(auditEvents.targetId, pipelineId)));
    expect(audit).toBeDefined();
  });
});
