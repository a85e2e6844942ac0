import { describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { countUsers, createFirstAdmin, createLocalUser, UserInputError } from "./index";

const db = testDatabase();

describe("first admin", () => {
  it("lets exactly one of several concurrent setup requests win", async () => {
    const attempts = await Promise.all(Array.from({ length: 6 }, (_, i) => createFirstAdmin(db(), { username: `admin${i}`, password: "Setup-password-42" })));
    expect(attempts.filter(Boolean)).toHaveLength(1);
    expect(await countUsers(db())).toBe(1);
    expect(attempts.find(Boolean)!.isAdmin).toBe(true);
  });

  it("refuses weak passwords and bad usernames with field errors", async () => {
    await expect(createLocalUser(db(), { username: "x y", password: "Long-enough-pw-1" })).rejects.toMatchObject({ field: "username" });
    const weak = createLocalUser(db(), { username: "weakling", password: "aaaaaaaaaaaa" });
    await expect(weak).rejects.toBeInstanceOf(UserInputError);
    await expect(createLocalUser(db(), { username: "dup", password: "Long-enough-pw-1" })).resolves.toBeTruthy();
    await expect(createLocalUser(db(), { username: "DUP", password: "Long-enough-pw-1" })).rejects.toThrow("already exists");
  });
});
