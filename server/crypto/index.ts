import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Secrets at rest (webhook secrets, mirror credentials, later keys): AES-256-GCM with
 * the instance key ROOKERY_ENCRYPTION_KEY (32 bytes, base64 or hex; boot fills it from
 * DATA_DIR/secrets.json). Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url). `context`
 * is authenticated but not stored: a value encrypted for one purpose does not decrypt
 * as another (e.g. "webhook-secret").
 */
const VERSION = "v1";

export class DecryptionError extends Error {}

function key(): Buffer {
  const raw = process.env.ROOKERY_ENCRYPTION_KEY;
  if (!raw) throw new Error("ROOKERY_ENCRYPTION_KEY is not set (npm start fills it from the data directory's secrets.json)");
  const k = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (k.length !== 32) throw new Error("ROOKERY_ENCRYPTION_KEY must be 32 bytes, base64 or hex encoded");
  return k;
}

export function encrypt(plaintext: string, context = ""): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(".");
}

export function decrypt(stored: string, context = ""): string {
  const [version, iv, tag, ct] = stored.split(".");
  if (version !== VERSION || !iv || !tag || ct === undefined) throw new DecryptionError("Not an encrypted value");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptionError("Cannot decrypt: wrong ROOKERY_ENCRYPTION_KEY or tampered value");
  }
}
