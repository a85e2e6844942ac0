import { describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { createLocalUser } from "@/server/users";
import { loadConfig } from "@/server/config";
import { authenticate, DIRECTORY_UNAVAILABLE, INVALID_CREDENTIALS } from "./login";

const db = testDatabase();

describe("authenticate", () => {
  it("accepts a local account and rejects a wrong password with the generic message", async () => {
    await createLocalUser(db(), { username: "root2", password: "correct-horse-9" });
    const user = await authenticate(db(), "Root2", "correct-horse-9");
    expect(user.username).toBe("root2");
    await expect(authenticate(db(), "root2", "wrong-password-1")).rejects.toThrow(INVALID_CREDENTIALS);
    await expect(authenticate(db(), "nobody-here", "whatever-pass-1")).rejects.toThrow(INVALID_CREDENTIALS);
  });

  it("binds LDAP users against the directory and records their profile", async () => {
    const user = await authenticate(db(), "alice", "alice-password-1");
    expect(user).toMatchObject({ username: "alice", source: "ldap", displayName: "Alice Anders", email: "alice@acme.test" });
    await expect(authenticate(db(), "alice", "not-her-password")).rejects.toThrow(INVALID_CREDENTIALS);
  });

  it("locks an account for 10 minutes after five failures in a row, then rejects even the right password", async () => {
    for (let i = 0; i < 4; i++) await expect(authenticate(db(), "bob", `bad-${i}`)).rejects.toThrow(INVALID_CREDENTIALS);
    await expect(authenticate(db(), "bob", "bad-5")).rejects.toThrow(/locked for 10 minutes/);
    await expect(authenticate(db(), "bob", "bob-password-1")).rejects.toThrow(/locked/);
  });

  it("says the directory is unavailable when LDAP cannot be reached", async () => {
    const saved = process.env.LDAP_URL;
    process.env.LDAP_URL = "ldap://127.0.0.1:9";
    loadConfig();
    try {
      await expect(authenticate(db(), "carol", "carol-password-1")).rejects.toThrow(DIRECTORY_UNAVAILABLE);
    } finally {
      process.env.LDAP_URL = saved;
      loadConfig();
    }
  });
});
