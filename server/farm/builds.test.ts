import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { makeGpkg } from "@/test/support/gpkg";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { binhostRoot, listLive, pruneBinhost, publishBuild, reconcileBinhost, type PublishInput } from "./binhost";
import {
  bisectBuilds,
  BuildRemovedError,
  compareBuilds,
  getBuild,
  listBuilds,
  rollbackPreview,
  rollbackTo,
  setBuildNotes,
  tagBuild,
  untagBuild,
} from "./builds";
import { ensureFarmDefaults } from "./catalog";
import { serveBinhost } from "./serve";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pubbuilds-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test" });
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pubbuilds-gpkg-"));
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(fixtures, { recursive: true, force: true });
});

const anon = { kind: "anonymous" } as const;
const get = (url: string) => serveBinhost(new Request(`http://rookery.test${url}`), anon, url.split("/").filter(Boolean).slice(1).map(decodeURIComponent));

const target = { environment: "development", arch: "amd64", profile: "linux" };
const input = (files: string[], over: Partial<PublishInput> = {}): PublishInput => ({
  ...target,
  parents: [],
  chost: "x86_64-pc-linux-gnu",
  portageProfile: "default/linux/amd64/23.0",
  baseUrl: "http://rookery.test/packages",
  files,
  ...over,
});
const hellos = new Map<string, string>();
/** app-misc/hello-VERSION, one file per version (another build of it would count as "rebuilt"). */
const hello = (version: string) => {
  if (!hellos.has(version)) hellos.set(version, makeGpkg(fixtures, { category: "app-misc", pf: `hello-${version}`, buildId: 1, payload: version }));
  return hellos.get(version)!;
};
/** Parses an Atom document with a real XML parser (Python's ElementTree): malformed XML fails here. */
function parseAtom(text: string) {
  const script = `
import json, sys, xml.etree.ElementTree as ET
A = "{http://www.w3.org/2005/Atom}"
f = ET.fromstring(sys.stdin.buffer.read())
assert f.tag == A + "feed", f.tag
def link(e, rel):
    return next((l.get("href") for l in e.findall(A + "link") if l.get("rel") == rel), None)
print(json.dumps({"id": f.findtext(A + "id"), "title": f.findtext(A + "title"), "updated": f.findtext(A + "updated"), "self": link(f, "self"),
  "entries": [{"id": e.findtext(A + "id"), "title": e.findtext(A + "title"), "updated": e.findtext(A + "updated"), "link": link(e, "alternate"),
    "content": e.findtext(A + "content")} for e in f.findall(A + "entry")]}))
`;
  return JSON.parse(execFileSync("python3", ["-c", script], { input: text, encoding: "utf8" })) as {
    id: string;
    title: string;
    updated: string;
    self: string;
    entries: { id: string; title: string; updated: string; link: string; content: string }[];
  };
}
const liveIndex = () => fs.readFileSync(path.join(binhostRoot(), "development/gentoo/amd64/linux/Packages"), "utf8");

let zlib: string;
beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  zlib = makeGpkg(fixtures, { category: "sys-libs", pf: "zlib-1.3.1", buildId: 1, slot: "0/1" });
});

describe("published builds", () => {
  it("numbers the builds of each target 1, 2, 3… and says what each changed", async () => {
    const one = await publishBuild(db(), input([zlib, hello("1.0")]));
    const two = await publishBuild(db(), input([zlib, hello("2.0")]));
    const other = await publishBuild(db(), input([zlib], { profile: "ruby" }));
    expect([one.number, two.number, other.number]).toEqual([1, 2, 1]);
    const { builds } = await listBuilds(db(), target);
    expect(builds.map((b) => [b.number, b.live, b.packageCount, b.previousNumber])).toEqual([
      [2, true, 2, 1],
      [1, false, 2, null],
    ]);
    expect(builds[0].changes).toEqual({ added: 0, removed: 0, upgraded: 1, downgraded: 0, rebuilt: 0 });
    const build = await getBuild(db(), target, 2);
    expect(build.changes).toEqual([{ package: "app-misc/hello", from: "1.0", to: "2.0", kind: "upgraded" }]);
    expect(build.packages.map((p) => p.cpv)).toEqual(["app-misc/hello-2.0", "sys-libs/zlib-1.3.1"]);
    await expect(getBuild(db(), target, 9)).rejects.toThrow("linux (development/amd64) has no build 9");
  });

  it("keeps Markdown notes on a build", async () => {
    await setBuildNotes(db(), target, 1, "**Baseline** before the hello upgrade");
    expect((await getBuild(db(), target, 1)).notes).toBe("**Baseline** before the hello upgrade");
  });

  it("compares any two builds and bisects between a good and a bad one, step by step", async () => {
    const mysql = makeGpkg(fixtures, { category: "dev-db", pf: "mysql-8.0.36", buildId: 1 });
    await publishBuild(db(), input([zlib, hello("2.0"), mysql])); // 3
    await publishBuild(db(), input([zlib, hello("3.0"), mysql])); // 4
    expect((await compareBuilds(db(), target, 1, 4)).changes).toEqual([
      { package: "app-misc/hello", from: "1.0", to: "3.0", kind: "upgraded" },
      { package: "dev-db/mysql", from: null, to: "8.0.36", kind: "added" },
    ]);
    expect((await compareBuilds(db(), target, 4, 1)).changes[0]).toEqual({ package: "app-misc/hello", from: "3.0", to: "1.0", kind: "downgraded" });
    const b = await bisectBuilds(db(), target, 1, 4);
    expect(b.steps.map((s) => [s.from.number, s.to.number, s.changes.map((c) => `${c.kind} ${c.package}`)])).toEqual([
      [1, 2, ["upgraded app-misc/hello"]],
      [2, 3, ["added dev-db/mysql"]],
      [3, 4, ["upgraded app-misc/hello"]],
    ]);
    expect(b.total).toHaveLength(2);
    await expect(bisectBuilds(db(), target, 2, 2)).rejects.toThrow("the same build");
  });

  it("serves a tagged build at <profile>@<tag> exactly as published, and moves a tag", async () => {
    await expect(tagBuild(db(), target, 2, "Stable", null)).rejects.toThrow(/lowercase letter/);
    expect((await tagBuild(db(), target, 1, "stable", null)).movedFrom).toBeNull();
    const moved = await tagBuild(db(), target, 2, "stable", null);
    expect(moved.movedFrom).toBe(1);
    await tagBuild(db(), target, 1, "pre-upgrade", null);
    expect((await getBuild(db(), target, 2)).tags).toEqual(["stable"]);

    const index = await get("/packages/development/gentoo/amd64/linux@stable/Packages");
    expect(index.status).toBe(200);
    const text = await index.text();
    expect(text).toContain("URI: http://rookery.test/packages/development/gentoo/amd64/linux@stable\n");
    expect(text).toContain("CPV: app-misc/hello-2.0\n");
    expect(text).not.toContain("mysql");
    const gz = await get("/packages/development/gentoo/amd64/linux@pre-upgrade/Packages.gz");
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toContain("CPV: app-misc/hello-1.0\n");
    const pkg = await get("/packages/development/gentoo/amd64/linux@pre-upgrade/app-misc/hello/hello-1.0-1.gpkg.tar");
    expect(pkg.status).toBe(200);
    expect(Buffer.from(await pkg.arrayBuffer()).length).toBe(fs.statSync(hello("1.0")).size);
    expect((await get("/packages/development/gentoo/amd64/linux@nope/Packages")).status).toBe(404);
    expect((await get("/packages/development/gentoo/amd64/linux@stable/../../../Packages")).status).toBe(404);
    // the live binhost is untouched
    expect(liveIndex()).toContain("CPV: app-misc/hello-3.0\n");
  });

  it("retention never deletes a tagged build; a rollback to a removed build is refused with that reason", async () => {
    // builds 1..4 of linux; keep 1: 4 is live, 1 and 2 are tagged, 3 goes.
    const r = await pruneBinhost(db(), 1, 0);
    expect(r.removed).toHaveLength(1);
    const { builds } = await listBuilds(db(), target);
    expect(builds.map((b) => [b.number, !!b.removedAt])).toEqual([
      [4, false],
      [3, true],
      [2, false],
      [1, false],
    ]);
    expect((await get("/packages/development/gentoo/amd64/linux@pre-upgrade/Packages")).status).toBe(200);
    await expect(rollbackTo(db(), target, 3)).rejects.toThrow(BuildRemovedError);
    await expect(rollbackTo(db(), target, 3)).rejects.toThrow(
      /^Build 3 of linux \(development\/amd64\) can no longer be served: retention deleted its files on \d{4}-\d\d-\d\d/,
    );
    expect((await rollbackPreview(db(), target, 3)).refusal).toMatch(/retention deleted its files/);
    await expect(tagBuild(db(), target, 3, "old", null)).rejects.toThrow(BuildRemovedError);
    await expect(compareBuilds(db(), target, 3, 4)).rejects.toThrow(/retention deleted its files/);
    // bisect skips it and still shows every change
    const b = await bisectBuilds(db(), target, 2, 4);
    expect(b.skipped).toEqual([3]);
    expect(b.steps.map((s) => [s.from.number, s.to.number])).toEqual([[2, 4]]);
    // untagged, build 1 goes at the next run
    await untagBuild(db(), target, "pre-upgrade");
    await expect(untagBuild(db(), target, "pre-upgrade")).rejects.toThrow("has no tag pre-upgrade");
    expect((await pruneBinhost(db(), 1, 0)).removed).toHaveLength(1);
  });

  it("rolls the live binhost back to an earlier build, and the next publish becomes the next number", async () => {
    const preview = await rollbackPreview(db(), target, 2);
    expect(preview.refusal).toBeNull();
    expect(preview.live?.number).toBe(4);
    expect(preview.changes.map((c) => `${c.package} ${c.from} → ${c.to}`)).toEqual(["app-misc/hello 3.0 → 2.0", "dev-db/mysql 8.0.36 → null"]);
    const before = liveIndex().match(/^TIMESTAMP: (\d+)$/m)![1];
    await new Promise((r) => setTimeout(r, 1100));
    expect(await rollbackTo(db(), target, 2)).toMatchObject({ number: 2, previousLive: 4 });
    const index = liveIndex();
    expect(index).toContain("CPV: app-misc/hello-2.0\n");
    expect(index).not.toContain("mysql");
    // a newer TIMESTAMP, so clients that cached build 4's index read this one
    expect(Number(index.match(/^TIMESTAMP: (\d+)$/m)![1])).toBeGreaterThan(Number(before));
    expect((await get("/packages/development/gentoo/amd64/linux/app-misc/hello/hello-2.0-1.gpkg.tar")).status).toBe(200);
    expect((await listLive(db(), "development")).find((p) => p.profile === "linux")?.number).toBe(2);
    await expect(rollbackTo(db(), target, 2)).rejects.toThrow("Build 2 is already live");
    // the reconciler agrees with the rolled-back state
    expect((await reconcileBinhost(db(), 0)).relinked).toBe(0);
    // retention keeps the rolled-back live build even though it is not the newest
    await pruneBinhost(db(), 1, 0);
    expect(liveIndex()).toContain("CPV: app-misc/hello-2.0\n");

    const five = await publishBuild(db(), input([zlib, hello("5.0")]));
    expect(five.number).toBe(5);
    expect(liveIndex()).toContain("CPV: app-misc/hello-5.0\n");
    expect((await getBuild(db(), target, 5)).previousNumber).toBe(4);
  });

  it("publishes an Atom feed of a profile's builds", async () => {
    const res = await get("/packages/development/gentoo/amd64/linux/builds.atom");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const feed = parseAtom(await res.text());
    expect(feed.title).toBe("Builds of linux (development/amd64)");
    expect(feed.id).toBe("http://rookery.test/packages/development/gentoo/amd64/linux/builds.atom");
    expect(feed.self).toBe(feed.id);
    expect(feed.entries.map((e) => e.title)).toEqual([5, 4, 3, 2, 1].map((n) => `Build ${n} of linux (development/amd64)`));
    expect(feed.entries[0].id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(feed.entries[0].link).toBe("http://rookery.test/farm/builds/development/amd64/linux/published/5");
    expect(feed.entries[0].content).toContain("upgraded app-misc/hello 3.0 → 5.0");
    expect(feed.entries.find((e) => e.title.startsWith("Build 1 "))!.content).toContain("**Baseline** before the hello upgrade");
    expect(new Date(feed.updated).getTime()).toBe(new Date(feed.entries[0].updated).getTime());
    expect((await get("/packages/development/gentoo/amd64/NOPE!/builds.atom")).status).toBe(404);
  });
});
