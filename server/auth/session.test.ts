import { decode, encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { loadConfig } from "@/server/config";

describe("session expiry", () => {
  it("uses SESSION_MAX_AGE for next-auth sessions and the JWTs they issue", async () => {
    process.env.SESSION_MAX_AGE = "1800";
    loadConfig();
    const { authOptions } = await import("./session");
    expect(authOptions.session?.strategy).toBe("jwt");
    expect(authOptions.session?.maxAge).toBe(1800);

    // next-auth signs session JWTs with jwt.maxAge, which defaults to session.maxAge.
    expect(authOptions.jwt?.maxAge ?? authOptions.session?.maxAge).toBe(1800);
    const secret = "a-test-secret-that-is-long-enough-000";
    const jwt = await encode({ token: { uid: "u1" }, secret, maxAge: authOptions.session!.maxAge });
    const claims = await decode({ token: jwt, secret });
    expect(claims?.uid).toBe("u1");
    expect(Number(claims!.exp) - Number(claims!.iat)).toBe(1800);

    // ...and a session past its max age is not accepted any more.
    const stale = await encode({ token: { uid: "u1" }, secret, maxAge: -60 });
    await expect(decode({ token: stale, secret })).rejects.toThrow(/exp/);
  });

  it("defaults to 8 hours", () => {
    delete process.env.SESSION_MAX_AGE;
    expect(loadConfig().sessionMaxAge).toBe(8 * 3600);
  });
});
