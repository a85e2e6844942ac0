import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { personalAccessTokens } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { createLocalUser, setUserDisabled } from "@/server/users";
import { createToken, hashToken, listTokens, revokeToken, verifyToken } from "./tokens";

const db = testDatabase();

describe("personal access tokens", () => {
  it("are shown once, stored only as a hash, and verify to their user and scope", async () => {
    const u = await createLocalUser(db(), { username: "tok1", password: "Token-password-1" });
    const { id, token } = await createToken(db(), { userId: u.id, name: "laptop", scope: "read", expiresAt: null });
    expect(token).toMatch(/^rky_[A-Za-z0-9_-]{43}$/);
    const [row] = await db().select().from(personalAccessTokens).where(eq(personalAccessTokens.id, id));
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.tokenPrefix).toBe(token.slice(0, 8));

    const verified = await verifyToken(db(), token);
    expect(verified?.user.id).toBe(u.id);
    expect(verified?.scope).toBe("read");
    const [listed] = await listTokens(db(), u.id);
    expect(listed).toMatchObject({ name: "laptop", scope: "read", tokenPrefix: token.slice(0, 8) });
    expect(listed.lastUsedAt).toBeInstanceOf(Date);
    expect(listed).not.toHaveProperty("tokenHash");
  });

  it("reject unknown, mangled, and wrong-user tokens", async () => {
    const u = await createLocalUser(db(), { username: "tok2", password: "Token-password-1" });
    const { token } = await createToken(db(), { userId: u.id, name: "ci", scope: "write", expiresAt: null });
    expect(await verifyToken(db(), token.slice(0, -1) + (token.endsWith("A") ? "B" : "A"))).toBeNull();
    expect(await verifyToken(db(), "not-a-token")).toBeNull();
    expect(await verifyToken(db(), token, "someone-else")).toBeNull();
    expect((await verifyToken(db(), token, "TOK2"))?.scope).toBe("write");
  });

  it("stop working when revoked, and only their owner can revoke them", async () => {
    const owner = await createLocalUser(db(), { username: "tok3", password: "Token-password-1" });
    const other = await createLocalUser(db(), { username: "tok4", password: "Token-password-1" });
    const { id, token } = await createToken(db(), { userId: owner.id, name: "deploy", scope: "write", expiresAt: null });
    expect(await revokeToken(db(), other.id, id)).toBe(false);
    expect(await verifyToken(db(), token)).not.toBeNull();
    expect(await revokeToken(db(), owner.id, id)).toBe(true);
    expect(await verifyToken(db(), token)).toBeNull();
    expect(await revokeToken(db(), owner.id, id)).toBe(false);
    expect((await listTokens(db(), owner.id))[0].revokedAt).toBeInstanceOf(Date);
  });

  it("stop working once expired", async () => {
    const u = await createLocalUser(db(), { username: "tok5", password: "Token-password-1" });
    const soon = await createToken(db(), { userId: u.id, name: "soon", scope: "read", expiresAt: new Date(Date.now() + 60_000) });
    const past = await createToken(db(), { userId: u.id, name: "past", scope: "read", expiresAt: new Date(Date.now() - 1000) });
    expect(await verifyToken(db(), soon.token)).not.toBeNull();
    expect(await verifyToken(db(), past.token)).toBeNull();
    await db()
      .update(personalAccessTokens)
      .set({ expiresAt: new Date(Date.now() - 1) })
      .where(eq(personalAccessTokens.id, soon.id));
    expect(await verifyToken(db(), soon.token)).toBeNull();
  });

  it("stop working while their user is disabled", async () => {
    const u = await createLocalUser(db(), { username: "tok6", password: "Token-password-1" });
    const { token } = await createToken(db(), { userId: u.id, name: "x", scope: "read", expiresAt: null });
    await setUserDisabled(db(), u.id, true);
    expect(await verifyToken(db(), token)).toBeNull();
    await setUserDisabled(db(), u.id, false);
    expect(await verifyToken(db(), token)).not.toBeNull();
  });
});
