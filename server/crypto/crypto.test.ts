import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decrypt, DecryptionError, encrypt } from "./index";

const saved = process.env.ROOKERY_ENCRYPTION_KEY;
beforeEach(() => {
  process.env.ROOKERY_ENCRYPTION_KEY = randomBytes(32).toString("base64");
});
afterEach(() => {
  process.env.ROOKERY_ENCRYPTION_KEY = saved;
});

describe("encrypt / decrypt", () => {
  it("round-trips, never shows the plaintext, and uses a fresh IV each time", () => {
    const a = encrypt("s3cret-token", "webhook-secret");
    const b = encrypt("s3cret-token", "webhook-secret");
    expect(a).not.toContain("s3cret");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(decrypt(a, "webhook-secret")).toBe("s3cret-token");
    expect(decrypt(encrypt(""), "")).toBe("");
    expect(decrypt(encrypt("ünïcødé ✓"))).toBe("ünïcødé ✓");
  });

  it("refuses a tampered value, another context and another key", () => {
    const v = encrypt("payload", "a");
    const parts = v.split(".");
    const flipped = Buffer.from(parts[3], "base64url");
    flipped[0] ^= 1;
    expect(() => decrypt([...parts.slice(0, 3), flipped.toString("base64url")].join("."), "a")).toThrow(DecryptionError);
    expect(() => decrypt(v, "b")).toThrow(DecryptionError);
    expect(() => decrypt("plaintext")).toThrow(DecryptionError);
    process.env.ROOKERY_ENCRYPTION_KEY = randomBytes(32).toString("hex");
    expect(() => decrypt(v, "a")).toThrow(/wrong ROOKERY_ENCRYPTION_KEY/);
  });

  it("explains a missing or malformed key", () => {
    delete process.env.ROOKERY_ENCRYPTION_KEY;
    expect(() => encrypt("x")).toThrow(/ROOKERY_ENCRYPTION_KEY is not set/);
    process.env.ROOKERY_ENCRYPTION_KEY = "too-short";
    expect(() => encrypt("x")).toThrow(/must be 32 bytes/);
  });
});
