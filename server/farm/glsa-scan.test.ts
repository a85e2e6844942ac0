import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications } from "@/db/schema";
import { ensureInfrastructureOrg, infrastructureRepo } from "@/server/git/infrastructure";
import { commitFiles } from "@/server/git/plumbing/commit";
import { branchHead } from "@/server/git/plumbing/merge";
import { PORTAGE_TREE_REPO } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { createLocalUser, type User } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { makeGpkg } from "@/test/support/gpkg";
import { callerAs } from "@/test/support/trpc";
import { publishBuild } from "./binhost";
import { ensureFarmDefaults } from "./catalog";
import { listGlsaMatches, listGlsaScans, scanGlsa } from "./glsa-scan";

/**
 * The GLSA watch end to end below the UI: real advisories committed into
 * infrastructure/gentoo's development branch, real gpkgs published as a binhost, the scan,
 * the notification, and the fix build that resolves it.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-glsa-"));
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-glsa-gpkg-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test", AUTH_SECRET: "g".repeat(40) });
const samples = path.resolve(import.meta.dirname, "../../test/fixtures/glsa");
let admin: User;
let treeDir = "";

const publish = (files: string[], profile = "linux") =>
  publishBuild(db(), {
    environment: "development",
    arch: "amd64",
    profile,
    parents: [],
    chost: "x86_64-pc-linux-gnu",
    portageProfile: "default/linux/amd64/23.0",
    baseUrl: "http://rookery.test/packages",
    files,
  });

const adminNotes = () =>
  db()
    .select()
    .from(notifications)
    .where(and(eq(notifications.userId, admin.id), eq(notifications.kind, "farm.glsa_affected")));

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  admin = await createLocalUser(db(), { username: "sec-admin", password: "Glsa-admin-pass/1", isAdmin: true, email: "sec@example.org" });
  treeDir = (await infrastructureRepo(db(), PORTAGE_TREE_REPO))!.dir;
  const files: Record<string, string> = { "profiles/repo_name": "gentoo\n" };
  for (const f of fs.readdirSync(samples)) files[`metadata/glsa/${f}`] = fs.readFileSync(path.join(samples, f), "utf8");
  // a broken advisory next to the good ones: reported, skipped
  files["metadata/glsa/glsa-202412-99.xml"] = files["metadata/glsa/glsa-202401-01.xml"].replace('id="202401-01"', 'id="202412-99"').replace("</affected>", "");
  await commitFiles(treeDir, { branch: "development", files, message: "GLSAs" });
  expect(await branchHead(treeDir, "development")).toBeTruthy();
}, 60_000);

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(fixtures, { recursive: true, force: true });
});

describe("GLSA scan", () => {
  it("finds an advisory affecting a published build, notifies the admins once, and resolves it when the fix build is published", async () => {
    const oldRuby = makeGpkg(fixtures, { category: "dev-lang", pf: "ruby-3.1.3", slot: "3.1/3.1", buildId: 1 });
    const zlib = makeGpkg(fixtures, { category: "sys-libs", pf: "zlib-1.3.1", slot: "0/1", buildId: 1 });
    const cvs = makeGpkg(fixtures, { category: "dev-util", pf: "cvs-1.12.12-r4", buildId: 1 });
    const first = await publish([oldRuby, zlib, cvs]);

    const scan = await scanGlsa(db(), { trigger: "manual" });
    expect(scan).toMatchObject({ advisories: 3, publications: 1, newMatches: 2, resolved: 0, open: 2 });
    expect(scan.errors).toEqual([
      expect.objectContaining({
        environment: "development",
        branch: "development",
        file: "metadata/glsa/glsa-202412-99.xml",
        message: expect.stringMatching(/not well-formed XML/),
      }),
    ]);
    const open = await listGlsaMatches(db(), { state: "open", limit: 10, offset: 0 });
    expect(open.items.map((m) => [m.glsaId, m.severity, `${m.environment}/${m.arch}/${m.profile}`, m.cpv, m.fixedBy])).toEqual([
      ["202401-01", "high", "development/amd64/linux", "dev-lang/ruby-3.1.3", ">=3.1.4:3.1"],
      ["201412-08", "normal", "development/amd64/linux", "dev-util/cvs-1.12.12-r4", ">=1.12.12-r6"],
    ]);
    const notes = await adminNotes();
    expect(notes.map((n) => n.title).sort()).toEqual([
      "GLSA 201412-08 (normal) affects 1 published package: Multiple packages, Multiple vulnerabilities fixed in 2010",
      "GLSA 202401-01 (high) affects 1 published package: Ruby: Multiple Vulnerabilities",
    ]);
    expect(notes.find((n) => n.title.includes("202401-01"))!.body).toContain("development/amd64/linux: dev-lang/ruby-3.1.3 → >=3.1.4:3.1");

    // Scanning again finds nothing new and tells nobody again.
    expect(await scanGlsa(db(), { trigger: "schedule" })).toMatchObject({ newMatches: 0, resolved: 0, open: 2 });
    expect(await adminNotes()).toHaveLength(2);

    // The fix build: ruby 3.1.4, cvs unchanged.
    const newRuby = makeGpkg(fixtures, { category: "dev-lang", pf: "ruby-3.1.4", slot: "3.1/3.1", buildId: 1 });
    const second = await publish([newRuby, zlib, cvs]);
    expect(second.publicationId).not.toBe(first.publicationId);
    expect(await scanGlsa(db(), { trigger: "publication" })).toMatchObject({ newMatches: 0, resolved: 1, open: 1 });
    const resolved = await listGlsaMatches(db(), { state: "resolved", limit: 10, offset: 0 });
    expect(resolved.items.map((m) => [m.glsaId, m.cpv])).toEqual([["202401-01", "dev-lang/ruby-3.1.3"]]);
    expect(resolved.items[0].resolvedAt).toBeInstanceOf(Date);
    expect((await listGlsaMatches(db(), { state: "open", limit: 1, offset: 0 })).items.map((m) => m.glsaId)).toEqual(["201412-08"]);

    // A downgrade brings it back as a new match.
    await publish([oldRuby, zlib, cvs]);
    expect(await scanGlsa(db(), { trigger: "publication" })).toMatchObject({ newMatches: 1, open: 2 });
    expect(await adminNotes()).toHaveLength(3);

    const [last] = await listGlsaScans(db(), 1);
    expect(last.errors).toHaveLength(1);
  }, 120_000);

  it("lets admins scan and read the page's data; others get FORBIDDEN", async () => {
    const as = callerAs(db);
    const page = await as(admin).farmSecurity.overview({ openOffset: 0, resolvedOffset: 0 });
    expect(page.open.total).toBeGreaterThan(0);
    expect(page.lastScan?.errors).toHaveLength(1);
    const dev = await createLocalUser(db(), { username: "sec-dev", password: "Glsa-dev-pass/1" });
    await expect(as(dev).farmSecurity.overview({ openOffset: 0, resolvedOffset: 0 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(as(dev).farmSecurity.scanNow()).rejects.toMatchObject({ code: "FORBIDDEN" });
    const { jobId } = await as(admin).farmSecurity.scanNow();
    expect(typeof jobId === "string" || jobId === null).toBe(true);
  }, 60_000);
});
