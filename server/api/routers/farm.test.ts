import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { auditEvents } from "@/db/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { callerAs, trpcCode } from "@/test/support/trpc";
import { ensureFarmDefaults } from "@/server/farm/catalog";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { repoDir } from "@/server/git/paths";
import { createLocalUser, type User } from "@/server/users";
import { publishBuild } from "@/server/farm/binhost";
import { makeGpkg } from "@/test/support/gpkg";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-farm-router-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test" });
const caller = callerAs(db);
const pw = "Sturdy-pass-2026";
let admin: User, user: User;

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  admin = await createLocalUser(db(), { username: "farm-admin", password: pw, isAdmin: true });
  user = await createLocalUser(db(), { username: "farm-user", password: pw });
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

it("lists live binhosts, a page of a publication's packages and search hits", async () => {
  const fixtures = fs.mkdtempSync(path.join(dataDir, "fixtures-"));
  const files = Array.from({ length: 3 }, (_, i) => makeGpkg(fixtures, { category: "dev-db", pf: `mysql-8.0.3${i}`, buildId: 1 }));
  await publishBuild(db(), {
    environment: "staging",
    arch: "amd64",
    profile: "linux",
    parents: [],
    chost: "x86_64-pc-linux-gnu",
    portageProfile: "default/linux/amd64/23.0",
    baseUrl: "http://rookery.test/packages",
    files,
  });
  expect((await caller(user).farm.binhost({})).map((p) => [p.environment, p.profile, p.packageCount])).toEqual([["staging", "linux", 3]]);
  const pub = await caller(user).farm.publication({ environment: "staging", arch: "amd64", profile: "linux", page: 1 });
  expect(pub.items.map((p) => p.path)).toEqual([
    "dev-db/mysql/mysql-8.0.30-1.gpkg.tar",
    "dev-db/mysql/mysql-8.0.31-1.gpkg.tar",
    "dev-db/mysql/mysql-8.0.32-1.gpkg.tar",
  ]);
  expect(await trpcCode(caller(user).farm.publication({ environment: "production", arch: "amd64", profile: "linux", page: 1 }))).toBe("NOT_FOUND");
  expect((await caller(user).farm.search({ q: "mysql-8.0.31", page: 1 })).items.map((h) => `${h.environment}:${h.cpv}`)).toEqual([
    "staging:dev-db/mysql-8.0.31",
  ]);
  expect(await trpcCode(caller(user).farm.search({ q: "m", page: 1 }))).toBe("BAD_REQUEST");
  expect(await trpcCode(caller(null).farm.binhost({}))).toBe("UNAUTHORIZED");
});

describe("farm router", () => {
  it("shows the example profiles of infrastructure/build-profiles per environment branch", async () => {
    const branches = await caller(user).farm.profiles();
    expect(branches.map((b) => [b.branch, b.environment])).toEqual([
      ["develop", "development"],
      ["master", "production"],
    ]);
    const dev = branches[0];
    expect(dev.errors).toEqual([]);
    expect(dev.profiles.map((p) => [p.name, p.kind, p.parents])).toEqual([
      ["linux", "system", []],
      ["rails", "application", ["ruby", "linux"]],
      ["ruby", "application", ["linux"]],
    ]);
    expect(dev.stacks.map((s) => [s.name, s.profiles])).toEqual([["rails-stack", ["linux", "ruby", "rails"]]]);
  });

  it("reports an invalid profile on a release branch with file, line and column, and still resolves the others", async () => {
    const dir = repoDir("infrastructure", "build-profiles");
    const develop = (await runGit(["rev-parse", "develop"], { cwd: dir })).stdout.trim();
    await commitFiles(dir, {
      branch: "release/v1.1.0",
      parent: develop,
      files: {
        "profiles/broken.yaml": "kind: application\ninherits: linux\nuse:\n  dev-lang/php: [curl\n",
        "profiles/loop.yaml": "kind: application\ninherits: loop\n",
      },
      message: "broken profiles",
    });
    const staging = (await caller(admin).farm.profiles()).find((b) => b.branch === "release/v1.1.0")!;
    expect(staging.environment).toBe("staging");
    expect(staging.profiles.map((p) => p.name)).toEqual(["linux", "rails", "ruby"]);
    expect(staging.errors.map((e) => `${e.file}:${e.line}:${e.column}`)).toEqual(["profiles/broken.yaml:5:1", "profiles/loop.yaml:2:1"]);
    expect(staging.errors[1].message).toBe("inheritance cycle: loop → loop");
  });

  it("previews the generated build of a profile", async () => {
    const job = await caller(user).farm.preview({ branch: "develop", profile: "ruby", arch: "amd64", variant: "clean" });
    expect(job.name).toBe("build:development:amd64:ruby");
    expect(job.files["/etc/portage/binrepos.conf/rookery.conf"]).toContain("sync-uri = http://rookery.test/packages/development/gentoo/amd64/linux");
    expect(await trpcCode(caller(user).farm.preview({ branch: "develop", profile: "ruby", arch: "arm64", variant: "clean" }))).toBe("BAD_REQUEST");
    expect(await trpcCode(caller(user).farm.preview({ branch: "develop", profile: "nope", arch: "amd64", variant: "clean" }))).toBe("NOT_FOUND");
  });

  it("lets admins manage architectures and environments; others may only read", async () => {
    expect((await caller(user).farm.architectures()).map((a) => a.keyword)).toEqual(["amd64", "arm64", "x86"]);
    expect((await caller(user).farm.environments()).map((e) => e.name)).toEqual(["development", "staging", "production"]);
    expect(await trpcCode(caller(user).farm.saveArchitecture({ keyword: "riscv", chost: "riscv64-unknown-linux-gnu", cflags: "-O2 -pipe" }))).toBe("FORBIDDEN");
    expect(await trpcCode(caller(user).farm.adminCatalog())).toBe("FORBIDDEN");

    const riscv = await caller(admin).farm.saveArchitecture({ keyword: "riscv", chost: "riscv64-unknown-linux-gnu", cflags: "-O2 -pipe", description: "" });
    const dup = await caller(admin)
      .farm.saveArchitecture({ keyword: "riscv", chost: "riscv64-unknown-linux-gnu", cflags: "-O2", description: "" })
      .catch((e: TRPCError) => e);
    expect(dup).toBeInstanceOf(TRPCError);
    expect((dup as TRPCError).message).toBe("Architecture riscv already exists");
    await caller(admin).farm.saveArchitecture({
      id: riscv.id,
      keyword: "riscv",
      chost: "riscv64-unknown-linux-gnu",
      cflags: "-O3 -pipe",
      description: "RISC-V",
    });
    expect((await caller(admin).farm.adminCatalog()).architectures.find((a) => a.keyword === "riscv")!.cflags).toBe("-O3 -pipe");
    expect(await trpcCode(caller(admin).farm.saveArchitecture({ keyword: "bad arch", chost: "x", cflags: "" }))).toBe("BAD_REQUEST");
    await caller(admin).farm.deleteArchitecture({ id: riscv.id });
    expect(await trpcCode(caller(admin).farm.deleteArchitecture({ id: riscv.id }))).toBe("NOT_FOUND");

    const qa = await caller(admin).farm.saveEnvironment({ name: "qa", portageBranch: "staging", description: "" });
    expect((await caller(user).farm.environments()).map((e) => e.name)).toEqual(["development", "staging", "production", "qa"]);
    await caller(admin).farm.deleteEnvironment({ id: qa.id });
  });

  it("lets admins generate, import and remove package signing keys, audited, without secret material in answers or the log", async () => {
    const savedKey = process.env.ROOKERY_ENCRYPTION_KEY;
    process.env.ROOKERY_ENCRYPTION_KEY = randomBytes(32).toString("base64");
    try {
      expect(await trpcCode(caller(user).farm.generateSigningKey({ environment: "production" }))).toBe("FORBIDDEN");
      expect(await trpcCode(caller(user).farm.signingKeys())).toBe("FORBIDDEN");
      const key = await caller(admin).farm.generateSigningKey({ environment: "production" });
      expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
      expect(Object.keys(key).sort()).toEqual(["algorithm", "createdAt", "environment", "expiresAt", "fingerprint", "publicKey", "source", "userId"]);
      expect((await caller(admin).farm.signingKeys()).map((k) => [k.environment, k.fingerprint])).toEqual([["production", key.fingerprint]]);
      const bad = await caller(admin)
        .farm.importSigningKey({ environment: "staging", armored: "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----" })
        .catch((e: TRPCError) => e);
      expect((bad as TRPCError).message).toMatch(/not a usable OpenPGP secret key/);
      expect(await trpcCode(caller(admin).farm.generateSigningKey({ environment: "nope" }))).toBe("BAD_REQUEST");
      await caller(admin).farm.deleteSigningKey({ environment: "production" });
      expect(await trpcCode(caller(admin).farm.deleteSigningKey({ environment: "production" }))).toBe("NOT_FOUND");
      const log = await db().select().from(auditEvents).where(eq(auditEvents.targetType, "gpg_signing_key"));
      expect(log.map((e) => [e.action, e.outcome])).toEqual(
        expect.arrayContaining([
          ["farm.generateSigningKey", "success"],
          ["farm.deleteSigningKey", "success"],
        ]),
      );
      const all = JSON.stringify(await db().select().from(auditEvents));
      expect(all).toContain(key.fingerprint);
      expect(all).not.toMatch(/PRIVATE KEY BLOCK/);
    } finally {
      process.env.ROOKERY_ENCRYPTION_KEY = savedKey;
    }
  });
});
