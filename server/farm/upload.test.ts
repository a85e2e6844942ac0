import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { makeGpkg } from "@/test/support/gpkg";
import { createToken } from "@/server/auth/tokens";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { createLocalUser } from "@/server/users";
import { ensureFarmDefaults } from "./catalog";
import { postBinhostPublication } from "./publish-api";
import { loadBranchProfiles } from "./repo";
import { serveBinhost } from "./serve";
import { fileSource, listTar } from "./tar";

const root = path.resolve(import.meta.dirname, "../..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-upload-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-upload-work-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "https://rookery.example.com" });
let server: FetchServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  server = await serveFetch(async (req) => {
    const p = new URL(req.url).pathname;
    const m = p.match(/^\/api\/v1\/binhost\/([^/]+)\/([^/]+)\/([^/]+)$/);
    if (m && req.method === "POST") return postBinhostPublication(req, { environment: m[1], arch: m[2], profile: m[3] });
    if (p.startsWith("/packages/")) return serveBinhost(req, { kind: "anonymous" }, p.slice("/packages/".length).split("/"));
    return new Response("not found", { status: 404 });
  });
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  await loadBranchProfiles(db());
  const admin = await createLocalUser(db(), { username: "boss", password: "Admin-password-1", isAdmin: true });
  const dev = await createLocalUser(db(), { username: "dev", password: "Coder-password-1" });
  tokens.admin = (await createToken(db(), { userId: admin.id, name: "publish", scope: "write", expiresAt: null })).token;
  tokens.adminRead = (await createToken(db(), { userId: admin.id, name: "read", scope: "read", expiresAt: null })).token;
  tokens.dev = (await createToken(db(), { userId: dev.id, name: "publish", scope: "write", expiresAt: null })).token;
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

let n = 0;
/** A directory of gpkgs in the layout emerge leaves in PKGDIR (cat/pf-N.gpkg.tar), built by the real fixture builder. */
function packagesDir(pkgs: { category: string; pf: string; payload?: string }[]) {
  const dir = path.join(work, `pkgs${++n}`);
  for (const p of pkgs) {
    fs.mkdirSync(path.join(dir, p.category), { recursive: true });
    makeGpkg(path.join(dir, p.category), { ...p, buildId: 1 });
  }
  return dir;
}

/** What `tar -C DIR -cf - .` sends. */
function tarOf(dir: string) {
  return execFileSync("tar", ["--format=ustar", "-C", dir, "-cf", "-", "."]);
}

function publish(body: Buffer, token: string | null, target = "development/amd64/linux", type = "application/x-tar") {
  return fetch(`${server.url}/api/v1/binhost/${target}`, {
    method: "POST",
    headers: { "content-type": type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: new Uint8Array(body),
  });
}

const packagesIndex = async () => (await fetch(`${server.url}/packages/development/gentoo/amd64/linux/Packages`)).text();

/** Flips one byte inside a member of a gpkg, leaving its Manifest as it was. */
async function tamper(file: string, member: RegExp) {
  const fh = await fs.promises.open(file, "r+");
  try {
    const entry = (await listTar(await fileSource(fh))).find((e) => member.test(e.name))!;
    const at = entry.dataOffset + Math.floor(entry.size / 2);
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    await fh.write(Buffer.from([b[0] ^ 0xff]), 0, 1, at);
  } finally {
    await fh.close();
  }
}

describe("publishing packages built elsewhere", () => {
  it("publishes a tar of gpkgs with an admin's write token, and the Packages index lists them", async () => {
    const dir = packagesDir([
      { category: "sys-libs", pf: "zlib-1.3.1" },
      { category: "app-misc", pf: "hello-1.0" },
    ]);
    const r = await publish(tarOf(dir), tokens.admin);
    expect(r.status, await r.clone().text()).toBe(201);
    expect(await r.json()).toMatchObject({ packages: 2, inherited: 0 });
    const index = await packagesIndex();
    expect(index).toContain("CPV: app-misc/hello-1.0\n");
    expect(index).toContain("CPV: sys-libs/zlib-1.3.1\n");
    expect(index).toContain("PACKAGES: 2\n");
    const pkg = await fetch(`${server.url}/packages/development/gentoo/amd64/linux/app-misc/hello/hello-1.0-1.gpkg.tar`);
    expect(pkg.status).toBe(200);
  });

  it("refuses a package that does not match its Manifest, naming it and the member, and publishes nothing", async () => {
    const before = await packagesIndex();
    const dir = packagesDir([
      { category: "sys-libs", pf: "zlib-1.3.1", payload: "v2" },
      { category: "app-misc", pf: "hello-1.0", payload: "v2" },
    ]);
    await tamper(path.join(dir, "app-misc/hello-1.0-1.gpkg.tar"), /\/image\.tar\.xz$/);
    const r = await publish(tarOf(dir), tokens.admin);
    expect(r.status).toBe(400);
    const body = (await r.json()) as { message: string; field: string };
    expect(body.field).toBe("files");
    expect(body.message).toMatch(/^app-misc\/hello-1\.0-1\.gpkg\.tar: image\.tar\.xz does not match its (SHA512|BLAKE2B) checksum in the Manifest/);
    expect(await packagesIndex()).toBe(before);
    // the upload's temporary files are gone
    expect(fs.readdirSync(path.join(dataDir, "tmp/binhost-uploads"))).toEqual([]);
  });

  it("refuses a package whose name and metadata disagree, and files that are not packages", async () => {
    const dir = packagesDir([{ category: "app-misc", pf: "hello-1.0" }]);
    fs.renameSync(path.join(dir, "app-misc/hello-1.0-1.gpkg.tar"), path.join(dir, "app-misc/bye-1.0-1.gpkg.tar"));
    const renamed = await publish(tarOf(dir), tokens.admin);
    expect(renamed.status).toBe(400);
    expect(((await renamed.json()) as { message: string }).message).toBe("app-misc/bye-1.0-1.gpkg.tar: its metadata says it is app-misc/hello-1.0");
    fs.writeFileSync(path.join(dir, "notes.txt"), "hi");
    const stray = await publish(tarOf(dir), tokens.admin);
    expect(((await stray.json()) as { message: string }).message).toContain("notes.txt: not a package path");
    const notTar = await publish(Buffer.from("hello"), tokens.admin);
    expect(notTar.status).toBe(400);
  });

  it("lets only administrators publish, with a write token", async () => {
    const body = tarOf(packagesDir([{ category: "app-misc", pf: "hello-1.0" }]));
    expect((await publish(body, null)).status).toBe(401);
    expect((await publish(body, "rky_not-a-token")).status).toBe(401);
    const dev = await publish(body, tokens.dev);
    expect(dev.status).toBe(403);
    const read = await publish(body, tokens.adminRead);
    expect(read.status).toBe(403);
    expect(((await read.json()) as { message: string }).message).toContain("read-only");
    expect((await publish(body, tokens.admin, "development/amd64/linux", "multipart/form-data; boundary=x")).status).toBe(415);
    const unknown = await publish(body, tokens.admin, "development/amd64/nosuchprofile");
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toContain("No profile nosuchprofile");
  });

  it("the CLI publishes a directory", async () => {
    const dir = packagesDir([
      { category: "app-misc", pf: "hello-1.1" },
      { category: "dev-libs", pf: "libffi-3.4.6" },
    ]);
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const p = spawn(
        path.join(root, "node_modules/.bin/tsx"),
        ["scripts/cli.ts", "binhost:publish", "--env", "development", "--arch", "amd64", "--profile", "linux", dir],
        {
          cwd: root,
          env: { ...process.env, ROOKERY_DATA_DIR: dataDir },
        },
      );
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (out += d));
      p.on("error", reject);
      p.on("exit", (code) => resolve({ code, out }));
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("Published 2 packages to development/gentoo/amd64/linux");
    const index = await packagesIndex();
    expect(index).toContain("CPV: app-misc/hello-1.1\n");
    expect(index).toContain("CPV: dev-libs/libffi-3.4.6\n");
    expect(index).not.toContain("CPV: sys-libs/zlib-1.3.1\n");
  }, 60_000);
});
