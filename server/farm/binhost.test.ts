import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { makeGpkg } from "@/test/support/gpkg";
import { ensureFarmDefaults } from "./catalog";
import { binhostPruneJob, binhostRoot, listLive, publicationChanges, pruneBinhost, publishBuild, searchPackages, type PublishInput } from "./binhost";
import { GpkgError, readGpkg } from "./gpkg";
import { evaluateUse } from "./packages-index";
import { serveBinhost, serveBinhostNode } from "./serve";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-binhost-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test", BINHOST_KEEP_PUBLICATIONS: "1" });
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-gpkg-"));
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(fixtures, { recursive: true, force: true });
});

const anon = { kind: "anonymous" } as const;
const get = (url: string, headers: Record<string, string> = {}, method = "GET") => {
  const segments = new URL(url, "http://x").pathname.split("/").filter(Boolean).slice(1);
  return serveBinhost(new Request(`http://rookery.test${url}`, { headers, method }), anon, segments);
};

const base = (over: Partial<PublishInput>): PublishInput => ({
  environment: "development",
  arch: "amd64",
  profile: "linux",
  parents: [],
  chost: "x86_64-pc-linux-gnu",
  portageProfile: "default/linux/amd64/23.0",
  baseUrl: "http://rookery.test/packages",
  files: [],
  ...over,
});

let hello: string, zlib: string, ruby: string;

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  hello = makeGpkg(fixtures, {
    category: "app-misc",
    pf: "hello-2.12-r1",
    buildId: 3,
    iuse: "nls",
    use: "amd64 elibc_glibc nls",
    definedPhases: "configure install",
  });
  zlib = makeGpkg(fixtures, {
    category: "sys-libs",
    pf: "zlib-1.3.1",
    buildId: 1,
    slot: "0/1",
    compression: "gz",
    iuse: "minizip ssl static-libs",
    use: "amd64 ssl",
    rdepend: "ssl? ( dev-libs/openssl:= ) !ssl? ( dev-libs/libressl ) || ( sys-apps/a ( sys-apps/b sys-apps/c ) ) minizip? ( sys-libs/minizip )",
    depend: "virtual/pkgconfig",
    eapi: "7",
    license: "ZLIB",
  });
  ruby = makeGpkg(fixtures, {
    category: "dev-lang",
    pf: "ruby-3.3.6",
    slot: "3.3/3.3.0",
    compression: "zst",
    keywords: "~amd64",
    repository: "rookery-overlay",
    buildTime: 1764001234,
  });
});

describe("gpkg reader", () => {
  it("reads a package's own metadata from its metadata.tar, verifying the Manifest", async () => {
    const g = await readGpkg(zlib);
    expect(g.metadata).toMatchObject({ CATEGORY: "sys-libs", PF: "zlib-1.3.1", SLOT: "0/1", EAPI: "7", USE: "amd64 ssl", BUILD_ID: "1", repository: "gentoo" });
    expect(g.metadata["environment.bz2"]).toBeUndefined();
    expect(g.size).toBe(fs.statSync(zlib).size);
    expect(g.sha1).toMatch(/^[0-9a-f]{40}$/);
  });

  it("rejects truncated and corrupt packages, naming them", async () => {
    const truncated = path.join(fixtures, "broken-1.0-1.gpkg.tar");
    fs.writeFileSync(truncated, fs.readFileSync(hello).subarray(0, 3000));
    await expect(readGpkg(truncated)).rejects.toThrow(/^broken-1\.0-1\.gpkg\.tar: truncated/);
    const corrupt = path.join(fixtures, "flipped-1.0-1.gpkg.tar");
    const bytes = fs.readFileSync(hello);
    // Flip a byte inside the image member (after gpkg-1 and metadata: near the end, before the Manifest).
    const img = bytes.indexOf(Buffer.from("image.tar.xz"));
    bytes[img + 512 + 40] ^= 0xff;
    fs.writeFileSync(corrupt, bytes);
    await expect(readGpkg(corrupt)).rejects.toThrow("flipped-1.0-1.gpkg.tar: image.tar.xz does not match its BLAKE2B checksum in the Manifest (corrupt)");
    const notGpkg = path.join(fixtures, "plain.gpkg.tar");
    fs.writeFileSync(notGpkg, Buffer.alloc(1024));
    await expect(readGpkg(notGpkg)).rejects.toThrow("plain.gpkg.tar: not a gpkg (the first member must be <name>/gpkg-1)");
  });

  it("evaluates USE conditionals in dependencies like portage", () => {
    expect(evaluateUse("ssl? ( a/b ) !ssl? ( c/d ) || ( e/f ( g/h i/j ) ) x? ( k/l )", ["ssl"])).toBe("a/b || ( e/f ( g/h i/j ) )");
    expect(evaluateUse("|| ( ssl? ( a/b ) c/d )", [])).toBe("c/d");
    expect(evaluateUse("", ["ssl"])).toBe("");
  });
});

describe("publishing a binhost", () => {
  it("writes Packages and Packages.gz exactly as portage does, and serves them", async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await publishBuild(db(), base({ files: [zlib, hello] }));
    expect(r).toMatchObject({ packages: 2, inherited: 0 });
    const live = path.join(binhostRoot(), "development/gentoo/amd64/linux");
    const text = fs.readFileSync(path.join(live, "Packages"), "utf8");
    const [header, ...stanzas] = text.split("\n\n");
    const ts = Number(/TIMESTAMP: (\d+)/.exec(header)![1]);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(header).toBe(
      [
        "ARCH: amd64",
        "BINPKG_FORMAT: gpkg",
        "CHOST: x86_64-pc-linux-gnu",
        "PACKAGES: 2",
        "PROFILE: default/linux/amd64/23.0",
        `TIMESTAMP: ${ts}`,
        "URI: http://rookery.test/packages/development/gentoo/amd64/linux",
        "VERSION: 0",
        "REPO: gentoo",
      ].join("\n"),
    );
    const h = await readGpkg(hello);
    const z = await readGpkg(zlib);
    expect(stanzas[0]).toBe(
      [
        "BUILD_ID: 3",
        "BUILD_TIME: 1764000000",
        "CPV: app-misc/hello-2.12-r1",
        "DEFINED_PHASES: configure install",
        "EAPI: 8",
        "IUSE: nls",
        "KEYWORDS: amd64",
        "LICENSE: GPL-2",
        `MD5: ${h.md5}`,
        "PATH: app-misc/hello/hello-2.12-r1-3.gpkg.tar",
        `SHA1: ${h.sha1}`,
        `SIZE: ${h.size}`,
        "USE: amd64 elibc_glibc nls",
        `MTIME: ${h.mtime}`,
      ].join("\n"),
    );
    expect(stanzas[1]).toBe(
      [
        "BUILD_ID: 1",
        "BUILD_TIME: 1764000000",
        "CPV: sys-libs/zlib-1.3.1",
        "DEFINED_PHASES: compile install",
        "DEPEND: virtual/pkgconfig",
        "EAPI: 7",
        "IUSE: minizip ssl static-libs",
        "KEYWORDS: amd64",
        "LICENSE: ZLIB",
        `MD5: ${z.md5}`,
        "PATH: sys-libs/zlib/zlib-1.3.1-1.gpkg.tar",
        "RDEPEND: dev-libs/openssl:= || ( sys-apps/a ( sys-apps/b sys-apps/c ) )",
        `SHA1: ${z.sha1}`,
        `SIZE: ${z.size}`,
        "SLOT: 0/1",
        "USE: amd64 ssl",
        `MTIME: ${z.mtime}`,
      ].join("\n"),
    );
    expect(stanzas.slice(2)).toEqual([""]); // one blank line after the last stanza, nothing else
    expect(gunzipSync(fs.readFileSync(path.join(live, "Packages.gz"))).toString("utf8")).toBe(text);
    expect(fs.readFileSync(path.join(live, "sys-libs/zlib/zlib-1.3.1-1.gpkg.tar")).equals(fs.readFileSync(zlib))).toBe(true);

    // HTTP: the index, 304 on If-Modified-Since / If-None-Match, ranges, listing, traversal.
    const res = await get("/packages/development/gentoo/amd64/linux/Packages");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(text);
    const lastModified = res.headers.get("last-modified")!;
    const etag = res.headers.get("etag")!;
    expect((await get("/packages/development/gentoo/amd64/linux/Packages", { "if-modified-since": lastModified })).status).toBe(304);
    expect((await get("/packages/development/gentoo/amd64/linux/Packages", { "if-none-match": etag })).status).toBe(304);
    const part = await get("/packages/development/gentoo/amd64/linux/Packages", { range: "bytes=0-11" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-11/${Buffer.byteLength(text)}`);
    expect(await part.text()).toBe("ARCH: amd64\n");
    expect((await get("/packages/development/gentoo/amd64/linux/Packages", { range: "bytes=999999-" })).status).toBe(416);
    const head = await get("/packages/development/gentoo/amd64/linux/sys-libs/zlib/zlib-1.3.1-1.gpkg.tar", {}, "HEAD");
    expect(head.headers.get("content-length")).toBe(String(z.size));
    const dir = await get("/packages/development/gentoo/amd64/linux");
    expect(await dir.text()).toContain('<a href="/packages/development/gentoo/amd64/linux/Packages">Packages</a>');
    for (const bad of [
      "/packages/development/gentoo/amd64/linux/../../../../.store",
      "/packages/.publications",
      "/packages/development/gentoo/amd64/linux/%2e%2e/ruby",
      "/packages/nope",
    ])
      expect((await get(bad)).status).toBe(404);
    expect((await serveBinhost(new Request("http://x/packages"), anon, ["..", "..", "etc", "passwd"])).status).toBe(404);
  });

  it("serves the same over plain node:http (the portal's fast path ahead of Next.js), streaming", async () => {
    const server = http.createServer((req, res) => serveBinhostNode(req, res) || res.writeHead(418).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const live = path.join(binhostRoot(), "development/gentoo/amd64/linux");
      const res = await fetch(`${url}/packages/development/gentoo/amd64/linux/Packages`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(fs.readFileSync(path.join(live, "Packages"), "utf8"));
      const again = await fetch(`${url}/packages/development/gentoo/amd64/linux/Packages`, {
        headers: { "if-modified-since": res.headers.get("last-modified")! },
      });
      expect(again.status).toBe(304);
      const part = await fetch(`${url}/packages/development/gentoo/amd64/linux/sys-libs/zlib/zlib-1.3.1-1.gpkg.tar`, { headers: { range: "bytes=-512" } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(fs.readFileSync(zlib).subarray(-512))).toBe(true);
      expect((await fetch(`${url}/packages/development/gentoo/amd64/linux/%2e%2e/%2e%2e/%2e%2e/%2e%2e/.store`)).status).toBe(404);
      expect((await fetch(`${url}/packages/.publications/`)).status).toBe(404);
      expect((await fetch(`${url}/api/health`)).status).toBe(418); // not ours: passed on
      expect((await fetch(`${url}/packages/development/gentoo/amd64/linux/Packages`, { method: "POST" })).status).toBe(418);
    } finally {
      server.close();
    }
  });

  it("an application profile stores only packages its parents do not publish", async () => {
    const r = await publishBuild(db(), base({ profile: "ruby", parents: ["linux"], files: [zlib, hello, ruby] }));
    expect(r).toMatchObject({ packages: 1, inherited: 2 });
    const text = fs.readFileSync(path.join(binhostRoot(), "development/gentoo/amd64/ruby/Packages"), "utf8");
    expect(text).toContain("CPV: dev-lang/ruby-3.3.6\n");
    expect(text).toContain("PATH: dev-lang/ruby/ruby-3.3.6-1.gpkg.tar\n");
    expect(text).toContain("REPO: rookery-overlay\n");
    expect(text).not.toContain("zlib");
    const hits = await searchPackages(db(), "ZLIB", { limit: 10 });
    expect(hits.items.map((h) => [h.environment, h.arch, h.profile, h.cpv])).toEqual([["development", "amd64", "linux", "sys-libs/zlib-1.3.1"]]);
  });

  it("a corrupt package rejects the whole publication and leaves the live index untouched", async () => {
    const live = path.join(binhostRoot(), "development/gentoo/amd64/linux");
    const before = fs.readFileSync(path.join(live, "Packages"), "utf8");
    const target = fs.readlinkSync(live);
    const truncated = path.join(fixtures, "openssl-3.3.2-1.gpkg.tar");
    fs.writeFileSync(truncated, fs.readFileSync(zlib).subarray(0, 2048));
    await expect(publishBuild(db(), base({ files: [hello, truncated] }))).rejects.toThrow(GpkgError);
    await expect(publishBuild(db(), base({ files: [hello, truncated] }))).rejects.toThrow(/^openssl-3\.3\.2-1\.gpkg\.tar: truncated/);
    expect(fs.readlinkSync(live)).toBe(target);
    expect(fs.readFileSync(path.join(live, "Packages"), "utf8")).toBe(before);
    expect((await listLive(db(), "development")).map((p) => p.profile)).toEqual(["linux", "ruby"]);
  });

  it("serves a stack's binrepos.conf and make.conf snippet", async () => {
    const conf = await get("/packages/development/stacks/rails-stack/amd64/binrepos.conf");
    expect(conf.status).toBe(200);
    expect(await conf.text()).toBe(
      [
        "# Stack rails-stack (linux + ruby + rails), development, amd64: save as /etc/portage/binrepos.conf/rookery.conf",
        "",
        "[rookery-rails]",
        "priority = 30",
        "sync-uri = http://rookery.test/packages/development/gentoo/amd64/rails",
        "verify-signature = false",
        "",
        "[rookery-ruby]",
        "priority = 20",
        "sync-uri = http://rookery.test/packages/development/gentoo/amd64/ruby",
        "verify-signature = false",
        "",
        "[rookery-linux]",
        "priority = 10",
        "sync-uri = http://rookery.test/packages/development/gentoo/amd64/linux",
        "verify-signature = false",
        "",
      ].join("\n"),
    );
    const make = await (await get("/packages/development/stacks/rails-stack/amd64/make.conf")).text();
    expect(make).toContain('CHOST="x86_64-pc-linux-gnu"\n');
    expect(make).toContain("--getbinpkg");
    expect(make).toContain('\nGENTOO_MIRRORS="http://rookery.test"\n');
    expect((await get("/packages/development/stacks/rails-stack/arm64/binrepos.conf")).status).toBe(404);
    expect((await get("/packages/development/stacks/nope/amd64/binrepos.conf")).status).toBe(404);
  });

  it("retention keeps the last N publications and frees files nobody links", async () => {
    const v2 = makeGpkg(fixtures, { category: "app-misc", pf: "hello-2.12-r2", buildId: 1, payload: "v2" });
    const v3 = makeGpkg(fixtures, { category: "app-misc", pf: "hello-2.12-r3", buildId: 1, payload: "v3" });
    const mysql = makeGpkg(fixtures, { category: "dev-db", pf: "mysql-8.0.36", buildId: 1, slot: "0/23" });
    await publishBuild(db(), base({ files: [zlib, v2, ruby] }));
    const third = await publishBuild(db(), base({ files: [zlib, v3, mysql] }));
    expect((await publicationChanges(db(), third.publicationId)).changes).toEqual([
      { package: "app-misc/hello", from: "2.12-r2", to: "2.12-r3", kind: "upgraded" },
      { package: "dev-db/mysql", from: null, to: "8.0.36", kind: "added" },
      { package: "dev-lang/ruby", from: "3.3.6", to: null, kind: "removed" },
    ]);
    // linux now has 3 publications: [zlib, hello-r1], [zlib, r2], [zlib, r3]. Keep 2: hello-r1 goes.
    const r = await pruneBinhost(db(), 2, 0);
    expect(r.removed).toHaveLength(1);
    expect(r.removed[0]).toMatch(/^development\/amd64\/linux@/);
    expect(r.freedFiles).toBe(1);
    expect(r.freedBytes).toBe(fs.statSync(hello).size); // ruby is still in ruby's own binhost
    const again = await pruneBinhost(db(), 2, 0);
    expect(again).toEqual({ removed: [], freedBytes: 0, freedFiles: 0 });
    const live = path.join(binhostRoot(), "development/gentoo/amd64/linux");
    expect(fs.readFileSync(path.join(live, "Packages"), "utf8")).toContain("CPV: app-misc/hello-2.12-r3\n");
    expect(fs.existsSync(path.join(live, "sys-libs/zlib/zlib-1.3.1-1.gpkg.tar"))).toBe(true);

    // The scheduled job applies BINHOST_KEEP_PUBLICATIONS (1 here); files stored within the
    // last hour are spared (a publication may still be linking them).
    const job = await binhostPruneJob(db());
    expect(job.keep).toBe(1);
    expect(job.removed).toHaveLength(1);
    expect(job.freedFiles).toBe(0);
    expect(fs.readFileSync(path.join(live, "Packages"), "utf8")).toContain("CPV: app-misc/hello-2.12-r3\n");
  });
});
