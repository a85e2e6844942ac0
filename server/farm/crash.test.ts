import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binhostPackages, binhostPublications } from "@/db/schema";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { runCrashChild } from "@/test/support/crash-child";
import { testDatabase } from "@/test/support/db";
import { makeGpkg } from "@/test/support/gpkg";
import { ensureFarmDefaults } from "./catalog";
import { binhostRoot, publishBuild, reconcileBinhost, type PublishInput } from "./binhost";
import { serveBinhost } from "./serve";

/**
 * The crash suite for binhost publication: a real child process publishes a build and is
 * SIGKILLed between writing the publication's directory and committing its rows, and
 * between that commit and the swap of the live link; after reconcileBinhost the served
 * Packages index and the database name the same publication, and no directory is left
 * that no row names.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-binhost-crash-"));
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-gpkg-crash-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test" });
const target = { environment: "development", arch: "amd64", profile: "linux" };
const input = (files: string[]): PublishInput => ({
  ...target,
  parents: [],
  chost: "x86_64-pc-linux-gnu",
  portageProfile: "default/linux/amd64/23.0",
  baseUrl: "http://rookery.test/packages",
  files,
});
const publishInChild = (files: string[], crashAt: string) => runCrashChild("test/support/binhost-child.ts", [JSON.stringify(input(files))], crashAt);

let n = 0;
/** A fresh build of hello (a new file each time) beside a package added in this build. */
function build(extra: string) {
  n++;
  return [
    makeGpkg(fixtures, { category: "app-misc", pf: "hello-2.12", buildId: n, payload: `build ${n}` }),
    makeGpkg(fixtures, { category: "app-misc", pf: `${extra}-1.0`, buildId: 1 }),
  ];
}

/** What portage would download: the served Packages index's packages (CPV and SHA1). */
async function served() {
  const res = await serveBinhost(new Request("http://rookery.test/packages/development/gentoo/amd64/linux/Packages"), { kind: "anonymous" }, [
    "development",
    "gentoo",
    "amd64",
    "linux",
    "Packages",
  ]);
  expect(res.status).toBe(200);
  const text = await res.text();
  const field = (name: string) => [...text.matchAll(new RegExp(`^${name}: (.+)$`, "gm"))].map((m) => m[1]);
  return field("CPV")
    .map((cpv, i) => `${cpv} ${field("SHA1")[i]}`)
    .sort();
}

/** The live publication's packages as the database has them. */
async function live() {
  const rows = await db()
    .select({ cpv: binhostPackages.cpv, sha1: binhostPackages.sha1 })
    .from(binhostPackages)
    .innerJoin(binhostPublications, eq(binhostPublications.id, binhostPackages.publicationId))
    .where(and(eq(binhostPublications.profile, target.profile), isNull(binhostPublications.supersededAt)));
  return rows.map((r) => `${r.cpv} ${r.sha1}`).sort();
}

const publicationDirs = () => fs.readdirSync(path.join(binhostRoot(), ".publications", "development", "amd64", "linux")).sort();
const rowDirs = async () => (await db().select({ dir: binhostPublications.dir }).from(binhostPublications)).map((r) => r.dir).sort();

/** Every directory older than the reconciler's grace, as after an hour's wait. */
function age() {
  const old = new Date(Date.now() - 2 * 3600_000);
  for (const d of publicationDirs()) fs.utimesSync(path.join(binhostRoot(), ".publications", "development", "amd64", "linux", d), old, old);
}

async function assertAgree() {
  expect(await served()).toEqual(await live());
  expect(publicationDirs()).toEqual(await rowDirs());
}

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  await publishBuild(db(), input(build("first")));
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(fixtures, { recursive: true, force: true });
});

describe("binhost publication killed at each point", { timeout: 60_000 }, () => {
  it("without a crash, the child publishes and the served index is the new publication (the reference)", async () => {
    const before = await served();
    const r = await publishInChild(build("second"), "");
    expect(r, r.output).toMatchObject({ code: 0, signal: null });
    expect(await served()).not.toEqual(before);
    await assertAgree();
    expect(await reconcileBinhost(db())).toEqual({ relinked: 0, orphansRemoved: 0 });
  });

  it("after writing the directory, before the commit: the old publication stays, the orphan directory goes once old", async () => {
    const before = await served();
    const dirs = await rowDirs();
    const r = await publishInChild(build("third"), "binhost-publish:after-write");
    expect(r.signal, r.output).toBe("SIGKILL");
    expect(await served()).toEqual(before);
    expect(await live()).toEqual(before);
    expect(await rowDirs()).toEqual(dirs);
    expect(publicationDirs()).toHaveLength(dirs.length + 1);

    // a young directory may be a publication still being written: kept
    expect(await reconcileBinhost(db())).toEqual({ relinked: 0, orphansRemoved: 0 });
    age();
    expect(await reconcileBinhost(db())).toEqual({ relinked: 0, orphansRemoved: 1 });
    expect(await served()).toEqual(before);
    await assertAgree();
  });

  it("after the commit, before the link swap: the reconciler swaps it, the served index is the new publication", async () => {
    const before = await served();
    const files = build("fourth");
    const r = await publishInChild(files, "binhost-publish:after-commit");
    expect(r.signal, r.output).toBe("SIGKILL");
    const committed = await live();
    expect(committed).not.toEqual(before);
    expect(committed.some((p) => p.startsWith("app-misc/fourth-1.0 "))).toBe(true);
    expect(await served()).toEqual(before); // until the reconciler runs

    age(); // however old, a directory a row names stays
    expect(await reconcileBinhost(db())).toEqual({ relinked: 1, orphansRemoved: 0 });
    expect(await served()).toEqual(committed);
    await assertAgree();
    expect(await reconcileBinhost(db())).toEqual({ relinked: 0, orphansRemoved: 0 });
  });
});
