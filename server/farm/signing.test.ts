import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binhostPackages, binhostPublications } from "@/db/schema";
import { generateSigningKey } from "@/server/pki/gpg";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { testDatabase } from "@/test/support/db";
import { makeGpkg } from "@/test/support/gpkg";
import { publishBuild, type PublishInput } from "./binhost";
import { ensureFarmDefaults } from "./catalog";
import { readGpkg } from "./gpkg";
import { serveBinhost } from "./serve";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-sign-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test" });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-signw-"));
const saved = process.env.ROOKERY_ENCRYPTION_KEY;
const host = path.join(work, "host-gnupg");

beforeAll(async () => {
  process.env.ROOKERY_ENCRYPTION_KEY = randomBytes(32).toString("base64");
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
});
afterAll(() => {
  process.env.ROOKERY_ENCRYPTION_KEY = saved;
  spawnSync("gpgconf", ["--homedir", host, "--kill", "gpg-agent"]);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const anon = { kind: "anonymous" } as const;
const get = (url: string) => serveBinhost(new Request(`http://rookery.test${url}`), anon, url.split("/").filter(Boolean).slice(1));

const input = (over: Partial<PublishInput>): PublishInput => ({
  environment: "production",
  arch: "amd64",
  profile: "linux",
  parents: [],
  chost: "x86_64-pc-linux-gnu",
  portageProfile: "default/linux/amd64/23.0",
  baseUrl: "http://rookery.test/packages",
  files: [],
  ...over,
});

/** What portage runs (BINPKG_GPG_VERIFY_BASE_COMMAND) with the host's /etc/portage/gnupg. */
function verify(data: Buffer, signatureFile?: string) {
  const r = spawnSync(
    "gpg",
    [
      "--verify",
      "--batch",
      "--no-tty",
      "--no-auto-check-trustdb",
      "--status-fd",
      "2",
      "--homedir",
      host,
      ...(signatureFile ? [signatureFile, "-"] : ["--output", "-", "-"]),
    ],
    { input: data },
  );
  const status = r.stderr.toString();
  return r.status === 0 && /\[GNUPG:\] GOODSIG/.test(status) && /\[GNUPG:\] TRUST_(ULTIMATE|FULLY)/.test(status);
}

describe("signing at publish (GLEP 78)", () => {
  it("an environment without a key still publishes, unsigned", async () => {
    const pkg = makeGpkg(work, { category: "app-misc", pf: "plain-1.0", buildId: 1 });
    const r = await publishBuild(db(), input({ environment: "development", files: [pkg] }));
    expect(r.signedBy).toBeNull();
    const served = path.join(r.dir, "app-misc/plain/plain-1.0-1.gpkg.tar");
    expect(execFileSync("tar", ["-tf", served]).toString()).not.toContain(".sig");
    expect(fs.readFileSync(served)).toEqual(fs.readFileSync(pkg));
    expect((await get("/packages/development/gentoo/signing-key.asc")).status).toBe(404);
  });

  it("signs every package with the environment's key; a host with only the public key verifies it; tampering fails", async () => {
    const key = await generateSigningKey(db(), "production", null);
    const hello = makeGpkg(work, { category: "app-misc", pf: "hello-2.12", buildId: 4 });
    const zlib = makeGpkg(work, { category: "sys-libs", pf: "zlib-1.3.1", buildId: 1, compression: "gz" });
    const r = await publishBuild(db(), input({ files: [hello, zlib] }));
    expect(r.signedBy).toBe(key.fingerprint);
    const [pub] = await db().select().from(binhostPublications).where(eq(binhostPublications.id, r.publicationId));
    expect(pub.signingKey).toBe(key.fingerprint);
    expect(fs.existsSync(path.join(dataDir, "binhost/.signing"))).toBe(true);
    expect(fs.readdirSync(path.join(dataDir, "binhost/.signing"))).toEqual([]);

    // The public key, anonymously, at a stable URL.
    const res = await get("/packages/production/gentoo/signing-key.asc");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pgp-keys");
    const armored = await res.text();
    expect(armored).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
    expect(armored).not.toContain("PRIVATE");
    fs.mkdirSync(host, { mode: 0o700 });
    execFileSync("gpg", ["--homedir", host, "--batch", "--import"], { input: armored, stdio: ["pipe", "ignore", "ignore"] });
    execFileSync("gpg", ["--homedir", host, "--batch", "--import-ownertrust"], { input: `${key.fingerprint}:6:\n`, stdio: ["pipe", "ignore", "ignore"] });
    execFileSync("gpg", ["--homedir", host, "--batch", "--check-trustdb"], { stdio: "ignore" });

    // The served package file (what emerge downloads), checked as portage does.
    const file = path.join(dataDir, "binhost/production/gentoo/amd64/linux/sys-libs/zlib/zlib-1.3.1-1.gpkg.tar");
    const meta = await readGpkg(file);
    expect(meta.metadata.PF).toBe("zlib-1.3.1");
    const packages = await (await get("/packages/production/gentoo/amd64/linux/Packages")).text();
    expect(packages).toContain(`SHA1: ${meta.sha1}`);
    const x = path.join(work, "x");
    fs.mkdirSync(x);
    execFileSync("tar", ["-xf", file, "-C", x]);
    const dir = path.join(x, "zlib-1.3.1-1");
    expect(fs.readdirSync(dir).sort()).toEqual(["Manifest", "gpkg-1", "image.tar.gz", "image.tar.gz.sig", "metadata.tar.gz", "metadata.tar.gz.sig"]);
    const manifest = fs.readFileSync(path.join(dir, "Manifest"));
    expect(verify(manifest)).toBe(true);
    for (const m of ["metadata.tar.gz", "image.tar.gz"]) {
      expect(verify(fs.readFileSync(path.join(dir, m)), path.join(dir, `${m}.sig`))).toBe(true);
      // Plain gpg --verify, as an operator would.
      execFileSync("gpg", ["--homedir", host, "--batch", "--verify", path.join(dir, `${m}.sig`), path.join(dir, m)], { stdio: "ignore" });
    }
    // A tampered image no longer matches its signature; a tampered Manifest fails too.
    const image = fs.readFileSync(path.join(dir, "image.tar.gz"));
    image[40] ^= 0x01;
    fs.writeFileSync(path.join(dir, "image.tar.gz"), image);
    expect(verify(image, path.join(dir, "image.tar.gz.sig"))).toBe(false);
    expect(spawnSync("gpg", ["--homedir", host, "--batch", "--verify", path.join(dir, "image.tar.gz.sig"), path.join(dir, "image.tar.gz")]).status).not.toBe(0);
    expect(verify(Buffer.from(manifest.toString().replace(/DATA image\.tar\.gz (\d+)/, (_, n: string) => `DATA image.tar.gz ${Number(n) + 1}`)))).toBe(false);
    // Another key (the staging one) does not verify production's packages.
    const other = await generateSigningKey(db(), "staging", null);
    expect(other.fingerprint).not.toBe(key.fingerprint);
  });

  it("a child profile still leaves out packages its signed parent publishes (dedupe by the built file)", async () => {
    const base = makeGpkg(work, { category: "dev-lang", pf: "ruby-3.3.6", buildId: 1 });
    const extra = makeGpkg(work, { category: "dev-ruby", pf: "rails-8.0.1", buildId: 1 });
    await publishBuild(db(), input({ profile: "ruby", files: [base] }));
    const child = await publishBuild(db(), input({ profile: "rails", parents: ["ruby"], files: [base, extra] }));
    expect(child).toMatchObject({ packages: 1, inherited: 1 });
    const rows = await db().select().from(binhostPackages).where(eq(binhostPackages.publicationId, child.publicationId));
    expect(rows.map((r) => r.cpv)).toEqual(["dev-ruby/rails-8.0.1"]);
    expect(rows[0].sourceSha1).not.toBe(rows[0].sha1);
  });
});
