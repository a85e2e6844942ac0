import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db/client";
import { farmEnvironments, gpgSigningKeys } from "@/db/schema";
import { getConfig } from "@/server/config";
import { decrypt, encrypt } from "@/server/crypto";
import { InputError } from "@/server/errors";

/**
 * OpenPGP signing keys of the build environments, and the only code that runs `gpg`.
 *
 * Keys are kept as an armored secret-key export, encrypted at rest with the instance key
 * (server/crypto), never as a long-lived keyring on disk: every operation imports the key
 * into a fresh GNUPGHOME under DATA_DIR/gnupg (mode 0700) and deletes it afterwards. Generated
 * keys have no passphrase — a passphrase would only be stored next to the key, encrypted
 * with the same instance key, so it would add nothing; an imported key may keep its own
 * passphrase (stored encrypted, handed to gpg through a 0600 file, never on a command line).
 */

export class GpgInputError extends InputError {}

const SECRET_CONTEXT = "gpg-secret-key";
const PASSPHRASE_CONTEXT = "gpg-passphrase";

export type SigningKeyInfo = {
  environment: string;
  fingerprint: string;
  userId: string;
  algorithm: string;
  publicKey: string;
  source: "generated" | "imported";
  expiresAt: Date | null;
  createdAt: Date;
};

type Run = { stdout: Buffer; stderr: string; code: number };

function run(cmd: string, args: string[], opts: { home: string; input?: Buffer | string | Readable }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GNUPGHOME: opts.home, LC_ALL: "C" } as unknown as NodeJS.ProcessEnv,
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", (e) => reject(new Error(`${cmd} is not available (${e.message}); install GnuPG`)));
    child.on("close", (code) => resolve({ stdout: Buffer.concat(out), stderr: err, code: code ?? 1 }));
    child.stdin.on("error", () => {});
    const input = opts.input;
    if (input === undefined) child.stdin.end();
    else if (typeof input === "string" || Buffer.isBuffer(input)) child.stdin.end(input);
    else {
      input.on("error", (e) => {
        child.kill();
        reject(e);
      });
      input.pipe(child.stdin);
    }
  });
}

/** gpg's complaint without its noise, for error messages (stderr never holds key material). */
function complaint(r: Run) {
  const lines = r.stderr
    .split("\n")
    .map((l) => l.replace(/^gpg: /, "").trim())
    .filter((l) => l && !l.startsWith("[GNUPG:]") && !/^(keybox|.*trustdb|directory|WARNING: unsafe)/.test(l));
  return lines.slice(-2).join("; ") || `exit ${r.code}`;
}

const base = ["--batch", "--no-tty", "--pinentry-mode", "loopback", "--no-auto-check-trustdb"];

class Home {
  private constructor(
    readonly dir: string,
    private passphraseFile: string | null,
  ) {}

  static async create(passphrase?: string | null) {
    const root = path.join(getConfig().dataDir, "gnupg");
    await fs.promises.mkdir(root, { recursive: true, mode: 0o700 });
    // Short names: gpg-agent's socket lives in the home and socket paths are limited to 107 bytes.
    const dir = path.join(root, randomBytes(4).toString("hex"));
    await fs.promises.mkdir(dir, { mode: 0o700 });
    let file: string | null = null;
    if (passphrase) {
      file = path.join(dir, "passphrase");
      await fs.promises.writeFile(file, passphrase, { mode: 0o600 });
    }
    return new Home(dir, file);
  }

  gpg(args: string[], input?: Buffer | string | Readable) {
    const pass = this.passphraseFile ? ["--passphrase-file", this.passphraseFile] : ["--passphrase", ""];
    return run("gpg", [...base, ...pass, ...args], { home: this.dir, input });
  }

  async must(args: string[], input?: Buffer | string | Readable, what = "gpg") {
    const r = await this.gpg(args, input);
    if (r.code !== 0) throw new Error(`${what} failed: ${complaint(r)}`);
    return r.stdout;
  }

  async close() {
    await run("gpgconf", ["--kill", "gpg-agent"], { home: this.dir }).catch(() => null);
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}

async function withHome<T>(passphrase: string | null | undefined, fn: (h: Home) => Promise<T>): Promise<T> {
  const home = await Home.create(passphrase);
  try {
    return await fn(home);
  } finally {
    await home.close();
  }
}

const algorithms: Record<string, string> = { "1": "RSA", "17": "DSA", "19": "ECDSA", "22": "EdDSA" };

type SecretKeyListing = { fingerprint: string; userId: string; algorithm: string; canSign: boolean; invalid: string | null; expiresAt: Date | null };

/** The secret keys of a home, from `--with-colons` (sec line, its fpr, the first uid). */
async function listSecretKeys(home: Home): Promise<SecretKeyListing[]> {
  const out = (await home.must(["--with-colons", "--fixed-list-mode", "--list-secret-keys"])).toString();
  const keys: SecretKeyListing[] = [];
  let current: SecretKeyListing | null = null;
  let expectFpr = false;
  for (const line of out.split("\n")) {
    const f = line.split(":");
    if (f[0] === "sec") {
      const bits = f[2];
      const algo = algorithms[f[3]] ?? `algorithm ${f[3]}`;
      current = {
        fingerprint: "",
        userId: "",
        algorithm:
          f[3] === "1" || f[3] === "17" ? `${algo} ${bits}`
          : f[16] ? `${algo} ${f[16]}`
          : algo,
        canSign: (f[11] ?? "").includes("S"),
        invalid:
          f[1] === "r" ? "revoked"
          : f[1] === "e" ? "expired"
          : f[1] === "d" ? "disabled"
          : null,
        expiresAt: f[6] ? new Date(Number(f[6]) * 1000) : null,
      };
      keys.push(current);
      expectFpr = true;
    } else if (f[0] === "fpr" && current && expectFpr) {
      current.fingerprint = f[9];
      expectFpr = false;
    } else if (f[0] === "ssb") expectFpr = false;
    else if (f[0] === "uid" && current && !current.userId) current.userId = f[9].replace(/\\x3a/g, ":");
  }
  return keys;
}

export const importInput = z.object({
  armored: z
    .string()
    .trim()
    .max(1_000_000, "This key file is too large")
    .refine((s) => s.includes("-----BEGIN PGP PRIVATE KEY BLOCK-----"), "Paste an ASCII-armored secret key (gpg --armor --export-secret-keys KEYID)"),
  passphrase: z.string().max(1000).optional(),
});

async function environmentByName(db: DbOrTx, name: string) {
  const [env] = await db.select().from(farmEnvironments).where(eq(farmEnvironments.name, name)).limit(1);
  if (!env) throw new GpgInputError("environment", `There is no environment ${name}`);
  return env;
}

async function save(db: DbOrTx, environmentId: string, values: Omit<typeof gpgSigningKeys.$inferInsert, "environmentId">) {
  const [row] = await db
    .insert(gpgSigningKeys)
    .values({ environmentId, ...values })
    .onConflictDoUpdate({ target: gpgSigningKeys.environmentId, set: { ...values, createdAt: new Date() } })
    .returning();
  return row;
}

function info(environment: string, row: typeof gpgSigningKeys.$inferSelect): SigningKeyInfo {
  return {
    environment,
    fingerprint: row.fingerprint,
    userId: row.userId,
    algorithm: row.algorithm,
    publicKey: row.publicKey,
    source: row.source,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
  };
}

/** Generates a new ed25519 signing key for an environment (replacing its current key). */
export async function generateSigningKey(db: DbOrTx, environment: string, createdBy: string | null): Promise<SigningKeyInfo> {
  const env = await environmentByName(db, environment);
  const host = new URL(getConfig().publicUrl).hostname || "localhost";
  const uid = `Rookery ${env.name} packages <rookery-${env.name}@${host.includes(".") ? host : `${host}.localdomain`}>`;
  const generated = await withHome(null, async (home) => {
    await home.must(["--quick-generate-key", uid, "ed25519", "sign", "never"], undefined, "Generating the key");
    const [key] = await listSecretKeys(home);
    const secret = await home.must(["--armor", "--export-secret-keys", key.fingerprint]);
    const pub = await home.must(["--armor", "--export", key.fingerprint]);
    return { key, secret: secret.toString(), pub: pub.toString() };
  });
  const row = await save(db, env.id, {
    fingerprint: generated.key.fingerprint,
    userId: generated.key.userId,
    algorithm: generated.key.algorithm,
    publicKey: generated.pub,
    secretKeyEncrypted: encrypt(generated.secret, SECRET_CONTEXT),
    passphraseEncrypted: null,
    source: "generated",
    expiresAt: generated.key.expiresAt,
    createdBy,
  });
  return info(env.name, row);
}

/**
 * Imports an armored secret key for an environment: exactly one primary key that can sign,
 * neither expired nor revoked; with its passphrase when it has one (checked by signing).
 */
export async function importSigningKey(db: DbOrTx, environment: string, raw: z.input<typeof importInput>, createdBy: string | null): Promise<SigningKeyInfo> {
  const parsed = importInput.safeParse(raw);
  if (!parsed.success) throw new GpgInputError("armored", parsed.error.issues[0].message);
  const { armored, passphrase } = parsed.data;
  const env = await environmentByName(db, environment);
  const imported = await withHome(passphrase || null, async (home) => {
    const r = await home.gpg(["--import"], armored);
    const keys = r.code === 0 || /secret keys imported: [1-9]/.test(r.stderr) ? await listSecretKeys(home) : [];
    if (!keys.length) throw new GpgInputError("armored", `This is not a usable OpenPGP secret key (${complaint(r)})`);
    if (keys.length > 1) throw new GpgInputError("armored", `The file holds ${keys.length} secret keys; export just the one for ${env.name}`);
    const key = keys[0];
    if (key.invalid) throw new GpgInputError("armored", `The key ${key.fingerprint} is ${key.invalid}`);
    if (!key.canSign) throw new GpgInputError("armored", `The key ${key.fingerprint} has no signing capability`);
    const probe = await home.gpg(["--local-user", key.fingerprint, "--detach-sign"], "probe");
    if (probe.code !== 0)
      throw new GpgInputError(
        "passphrase",
        /passphrase|Bad PIN|No pinentry|Operation cancelled/i.test(probe.stderr) ?
          passphrase ? "The passphrase does not unlock this key"
          : "This key is protected by a passphrase; enter it"
        : `The key cannot sign: ${complaint(probe)}`,
      );
    const pub = await home.must(["--armor", "--export", key.fingerprint]);
    return { key, pub: pub.toString() };
  });
  const row = await save(db, env.id, {
    fingerprint: imported.key.fingerprint,
    userId: imported.key.userId,
    algorithm: imported.key.algorithm,
    publicKey: imported.pub,
    secretKeyEncrypted: encrypt(armored, SECRET_CONTEXT),
    passphraseEncrypted: passphrase ? encrypt(passphrase, PASSPHRASE_CONTEXT) : null,
    source: "imported",
    expiresAt: imported.key.expiresAt,
    createdBy,
  });
  return info(env.name, row);
}

export async function getSigningKey(db: DbOrTx, environment: string): Promise<SigningKeyInfo | null> {
  const [row] = await db
    .select({ key: gpgSigningKeys, env: farmEnvironments.name })
    .from(gpgSigningKeys)
    .innerJoin(farmEnvironments, eq(farmEnvironments.id, gpgSigningKeys.environmentId))
    .where(eq(farmEnvironments.name, environment))
    .limit(1);
  return row ? info(row.env, row.key) : null;
}

export async function listSigningKeys(db: DbOrTx): Promise<SigningKeyInfo[]> {
  const rows = await db
    .select({ key: gpgSigningKeys, env: farmEnvironments.name })
    .from(gpgSigningKeys)
    .innerJoin(farmEnvironments, eq(farmEnvironments.id, gpgSigningKeys.environmentId));
  return rows.map((r) => info(r.env, r.key));
}

export async function deleteSigningKey(db: DbOrTx, environment: string) {
  const env = await environmentByName(db, environment);
  const [row] = await db.delete(gpgSigningKeys).where(eq(gpgSigningKeys.environmentId, env.id)).returning({ fingerprint: gpgSigningKeys.fingerprint });
  return row ?? null;
}

/** Signs with one key (SHA512 digests, armored, as portage's binpkg-signing does). */
export type Signer = {
  fingerprint: string;
  /** An armored detached signature of the stream. */
  detachSign(data: Readable): Promise<Buffer>;
  /** The text as an armored cleartext-signed message. */
  clearSign(text: string): Promise<Buffer>;
};

/**
 * Runs `fn` with a signer for an environment's key, or with null when it has none. The key
 * lives in a temporary GNUPGHOME only while `fn` runs.
 */
export async function withSigner<T>(db: DbOrTx, environment: string, fn: (signer: Signer | null) => Promise<T>): Promise<T> {
  const [row] = await db
    .select({ key: gpgSigningKeys })
    .from(gpgSigningKeys)
    .innerJoin(farmEnvironments, eq(farmEnvironments.id, gpgSigningKeys.environmentId))
    .where(eq(farmEnvironments.name, environment))
    .limit(1);
  if (!row) return fn(null);
  const key = row.key;
  const passphrase = key.passphraseEncrypted ? decrypt(key.passphraseEncrypted, PASSPHRASE_CONTEXT) : null;
  return withHome(passphrase, async (home) => {
    await home.must(["--import"], decrypt(key.secretKeyEncrypted, SECRET_CONTEXT), `Loading the signing key of ${environment}`);
    const sign = ["--local-user", key.fingerprint, "--digest-algo", "SHA512", "--armor"];
    return fn({
      fingerprint: key.fingerprint,
      detachSign: (data) => home.must([...sign, "--detach-sign"], data, "Signing"),
      clearSign: (text) => home.must([...sign, "--clear-sign"], text, "Signing"),
    });
  });
}
