import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gpgSigningKeys } from "@/db/schema";
import { ensureFarmDefaults } from "@/server/farm/catalog";
import { readGpkg } from "@/server/farm/gpkg";
import { signGpkg } from "@/server/farm/gpkg-sign";
import { testDatabase } from "@/test/support/db";
import { makeGpkg } from "@/test/support/gpkg";
import { deleteSigningKey, generateSigningKey, getSigningKey, importSigningKey, withSigner } from "./gpg";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-gpg-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test" });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-gpgw-"));
const saved = process.env.ROOKERY_ENCRYPTION_KEY;

beforeAll(async () => {
  process.env.ROOKERY_ENCRYPTION_KEY = randomBytes(32).toString("base64");
  await ensureFarmDefaults(db());
});
afterAll(() => {
  process.env.ROOKERY_ENCRYPTION_KEY = saved;
  for (const d of [dataDir, work]) {
    spawnSync("gpgconf", ["--homedir", path.join(d, "verify"), "--kill", "gpg-agent"]);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

/** A host: a fresh GNUPGHOME that knows only the exported public key, trusted as getuto does. */
export function hostKeyring(dir: string, publicKey: string, fingerprint: string) {
  fs.mkdirSync(dir, { mode: 0o700, recursive: true });
  execFileSync("gpg", ["--homedir", dir, "--batch", "--import"], { input: publicKey, stdio: ["pipe", "ignore", "ignore"] });
  execFileSync("gpg", ["--homedir", dir, "--batch", "--import-ownertrust"], { input: `${fingerprint}:6:\n`, stdio: ["pipe", "ignore", "ignore"] });
  execFileSync("gpg", ["--homedir", dir, "--batch", "--check-trustdb"], { stdio: "ignore" });
}

/** portage's BINPKG_GPG_VERIFY_BASE_COMMAND for a Manifest (or a detached signature); `as`: the user portage drops to. */
export function portageVerify(home: string, data: Buffer, signatureFile?: string, as?: { uid: number; gid: number }) {
  const args = ["--verify", "--batch", "--no-tty", "--no-auto-check-trustdb", "--status-fd", "2", "--homedir", home];
  const r = spawnSync("gpg", [...args, ...(signatureFile ? [signatureFile, "-"] : ["--output", "-", "-"])], { input: data, ...as });
  const status = r.stderr.toString();
  return { ok: r.status === 0 && /\[GNUPG:\] GOODSIG/.test(status) && /\[GNUPG:\] TRUST_(ULTIMATE|FULLY)/.test(status), status, output: r.stdout };
}

function extract(file: string, dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["-xf", file, "-C", dir]);
  const [base] = fs.readdirSync(dir);
  return path.join(dir, base);
}

describe("GPG signing keys", () => {
  it("generates a key per environment, keeping only the public half readable", async () => {
    const key = await generateSigningKey(db(), "development", null);
    expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(key.algorithm).toBe("EdDSA ed25519");
    expect(key.userId).toBe("Rookery development packages <rookery-development@rookery.test>");
    expect(key.publicKey).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
    expect(JSON.stringify(key)).not.toMatch(/PRIVATE|secret/i);
    const [row] = await db().select().from(gpgSigningKeys);
    expect(row.secretKeyEncrypted).toMatch(/^v1\./);
    expect(row.secretKeyEncrypted).not.toContain("PRIVATE KEY");
    expect((await getSigningKey(db(), "development"))?.fingerprint).toBe(key.fingerprint);
    expect(await getSigningKey(db(), "staging")).toBeNull();
    // No keyring stays behind: homes are temporary.
    expect(fs.readdirSync(path.join(dataDir, "gnupg"))).toEqual([]);
  });

  it("signs a gpkg as GLEP 78 says; a host with only the public key verifies it, a tampered member fails", async () => {
    const key = (await getSigningKey(db(), "development"))!;
    const pkg = makeGpkg(work, { category: "app-misc", pf: "hello-2.12", buildId: 2 });
    const signed = path.join(work, "signed.gpkg.tar");
    await withSigner(db(), "development", async (signer) => {
      expect(signer?.fingerprint).toBe(key.fingerprint);
      await signGpkg(pkg, signed, signer!);
    });
    const meta = await readGpkg(signed);
    expect(meta.metadata.PF).toBe("hello-2.12");
    const listing = execFileSync("tar", ["-tf", signed]).toString().trim().split("\n");
    expect(listing).toEqual([
      "hello-2.12-2/gpkg-1",
      "hello-2.12-2/metadata.tar.xz",
      "hello-2.12-2/metadata.tar.xz.sig",
      "hello-2.12-2/image.tar.xz",
      "hello-2.12-2/image.tar.xz.sig",
      "hello-2.12-2/Manifest",
    ]);

    const home = path.join(work, "host");
    hostKeyring(home, key.publicKey, key.fingerprint);
    const dir = extract(signed, path.join(work, "x"));
    const manifest = fs.readFileSync(path.join(dir, "Manifest"));
    expect(manifest.toString()).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n/);
    const m = portageVerify(home, manifest);
    expect(m.ok, m.status).toBe(true);
    expect(m.status).toContain(`VALIDSIG ${key.fingerprint}`);
    const lines = m.output.toString().trim().split("\n");
    expect(lines.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "DATA gpkg-1",
      "DATA metadata.tar.xz",
      "DATA metadata.tar.xz.sig",
      "DATA image.tar.xz",
      "DATA image.tar.xz.sig",
    ]);
    for (const member of ["metadata.tar.xz", "image.tar.xz"]) {
      execFileSync("gpg", ["--homedir", home, "--batch", "--verify", path.join(dir, `${member}.sig`), path.join(dir, member)], { stdio: "ignore" });
      expect(portageVerify(home, fs.readFileSync(path.join(dir, member)), path.join(dir, `${member}.sig`)).ok).toBe(true);
    }
    // Tampering: one byte of the image, or a DATA line of the Manifest.
    const image = fs.readFileSync(path.join(dir, "image.tar.xz"));
    image[image.length - 20] ^= 0xff;
    expect(portageVerify(home, image, path.join(dir, "image.tar.xz.sig")).ok).toBe(false);
    expect(spawnSync("gpg", ["--homedir", home, "--batch", "--verify", path.join(dir, "image.tar.xz.sig"), "-"], { input: image }).status).not.toBe(0);
    const badManifest = Buffer.from(manifest.toString().replace(/DATA image\.tar\.xz (\d+)/, (_, n) => `DATA image.tar.xz ${Number(n) + 1}`));
    expect(portageVerify(home, badManifest).ok).toBe(false);
  });

  it("the README's host snippet leaves portage able to verify, as the nobody user it drops to", async () => {
    const key = (await getSigningKey(db(), "development"))!;
    const pkg = makeGpkg(work, { category: "app-misc", pf: "readme-1.0", buildId: 1 });
    const signed = path.join(work, "readme.gpkg.tar");
    await withSigner(db(), "development", (signer) => signGpkg(pkg, signed, signer!));
    const manifest = fs.readFileSync(path.join(extract(signed, path.join(work, "readme")), "Manifest"));

    // The host: a world-traversable place for /etc/portage/gnupg, and the README's commands verbatim.
    const host = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-host-"));
    fs.chmodSync(host, 0o755);
    const home = path.join(host, "gnupg");
    const keyFile = path.join(host, "signing-key.asc");
    fs.writeFileSync(keyFile, key.publicKey);
    const readme = fs.readFileSync(path.join(import.meta.dirname, "../../README.md"), "utf8");
    const block = readme.match(/trust the key once[\s\S]*?```sh\n([\s\S]*?)```/)![1];
    const script = block
      .replace("curl -s https://rookery.example.com/packages/production/gentoo/signing-key.asc", `cat ${keyFile}`)
      .replaceAll("/etc/portage/gnupg", home)
      .replace("FINGERPRINT", key.fingerprint);
    try {
      execFileSync("sh", ["-e", "-c", script], { stdio: "pipe" });
      const nobody = {
        uid: Number(execFileSync("id", ["-u", "nobody"]).toString()),
        gid: Number(execFileSync("getent", ["group", "nogroup"]).toString().split(":")[2]),
      };
      const v = portageVerify(home, manifest, undefined, nobody);
      expect(v.ok, v.status).toBe(true);
      expect(v.status).not.toContain("NO_PUBKEY");
    } finally {
      spawnSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);
      fs.rmSync(host, { recursive: true, force: true });
    }
  });

  it("imports an armored secret key, with its passphrase when it has one", async () => {
    const external = path.join(work, "external");
    fs.mkdirSync(external, { mode: 0o700 });
    const g = (args: string[], input?: string) =>
      execFileSync("gpg", ["--homedir", external, "--batch", "--pinentry-mode", "loopback", "--passphrase", "s3cret pass", ...args], {
        input,
        stdio: ["pipe", "pipe", "ignore"],
      }).toString();
    g(["--quick-generate-key", "Ops signing <ops@example.com>", "ed25519", "sign", "never"]);
    const fpr = /fpr:+([0-9A-F]{40}):/.exec(g(["--with-colons", "--list-secret-keys"]))![1];
    const armored = g(["--armor", "--export-secret-keys", fpr]);
    spawnSync("gpgconf", ["--homedir", external, "--kill", "gpg-agent"]);

    await expect(importSigningKey(db(), "staging", { armored: "garbage" }, null)).rejects.toThrow(/ASCII-armored secret key/);
    await expect(
      importSigningKey(db(), "staging", { armored: "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnope\n-----END PGP PRIVATE KEY BLOCK-----" }, null),
    ).rejects.toThrow(/not a usable OpenPGP secret key/);
    await expect(importSigningKey(db(), "staging", { armored }, null)).rejects.toThrow(/protected by a passphrase/);
    await expect(importSigningKey(db(), "staging", { armored, passphrase: "wrong" }, null)).rejects.toThrow(/passphrase does not unlock/);
    expect(await getSigningKey(db(), "staging")).toBeNull();
    const key = await importSigningKey(db(), "staging", { armored, passphrase: "s3cret pass" }, null);
    expect(key).toMatchObject({ fingerprint: fpr, userId: "Ops signing <ops@example.com>", source: "imported" });
    const [row] = (await db().select().from(gpgSigningKeys)).filter((r) => r.fingerprint === fpr);
    expect(row.passphraseEncrypted).toMatch(/^v1\./);

    // It signs with the stored passphrase.
    const pkg = makeGpkg(work, { category: "app-misc", pf: "other-1.0", buildId: 1 });
    const signed = path.join(work, "other.gpkg.tar");
    await withSigner(db(), "staging", (s) => signGpkg(pkg, signed, s!));
    const home = path.join(work, "host2");
    hostKeyring(home, key.publicKey, fpr);
    const dir = extract(signed, path.join(work, "y"));
    expect(portageVerify(home, fs.readFileSync(path.join(dir, "Manifest"))).ok).toBe(true);

    expect(await deleteSigningKey(db(), "staging")).toEqual({ fingerprint: fpr });
    expect(await withSigner(db(), "staging", async (s) => s)).toBeNull();
    expect(fs.readdirSync(path.join(dataDir, "gnupg"))).toEqual([]);
  });
});
