import { describe, expect, it } from "vitest";
import type { JWT } from "next-auth/jwt";
import type { Session, User as AuthUser } from "next-auth";
import { loadConfig } from "@/server/config";

describe("Rookery's next-auth options", () => {
  it("keep sessions for SESSION_MAX_AGE, as JWTs signed for exactly that long", async () => {
    process.env.SESSION_MAX_AGE = "1800";
    loadConfig();
    const { authOptions } = await import("./session");
    expect(authOptions.session).toMatchObject({ strategy: "jwt", maxAge: 1800 });
    // next-auth signs session JWTs with jwt.maxAge when set: it must not outlive the session
    expect(authOptions.jwt?.maxAge ?? authOptions.session?.maxAge).toBe(1800);
    delete process.env.SESSION_MAX_AGE;
    expect(loadConfig().sessionMaxAge).toBe(8 * 3600);
  });

  it("put only the user's id in the token, so a demotion or a disabled account applies at the next request", async () => {
    const { authOptions } = await import("./session");
    const { jwt, session } = authOptions.callbacks!;
    const user = { id: "u1", name: "Ann", email: "ann@example.org", isAdmin: true } as AuthUser;
    const token = (await jwt!({ token: { sub: "u1" }, user, account: null, trigger: "signIn" } as Parameters<NonNullable<typeof jwt>>[0])) as JWT;
    expect(token).toEqual({ sub: "u1", uid: "u1" });
    const later = (await jwt!({ token, user: undefined as unknown as AuthUser, account: null } as Parameters<NonNullable<typeof jwt>>[0])) as JWT;
    expect(later.uid).toBe("u1");
    const s = (await session!({ session: { expires: "x" } as Session, token: later } as Parameters<NonNullable<typeof session>>[0])) as Session & {
      uid?: string;
    };
    expect(s.uid).toBe("u1");
    expect(JSON.stringify(s)).not.toContain("isAdmin");
  });

  it("refuse malformed sign-in input with the same words as a wrong password, before touching the directory", async () => {
    const { authOptions } = await import("./session");
    const provider = authOptions.providers[0] as unknown as { options: { authorize: (raw: unknown, req: unknown) => Promise<unknown> } };
    for (const raw of [{}, { username: "", password: "x" }, { username: "a".repeat(129), password: "x" }, { username: "ann", password: "" }])
      await expect(provider.options.authorize(raw, {})).rejects.toThrow("Invalid username or password");
  });
});
