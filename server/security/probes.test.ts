import http from "node:http";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { appRouter } from "@/server/api/root";
import { createContext, formatError } from "@/server/api/trpc";
import { stopBoss } from "@/server/jobs";
import { createLocalUser } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { frontDoor } from "./front-door";

/**
 * The outside probes, against the real tRPC stack and the front door over HTTP: every
 * procedure's string inputs get a NUL (generated from the router's zod schemas, so a new
 * procedure is covered without touching this file), and no error answer may show SQL, paths
 * or stack frames.
 */
const db = testDatabase();
let server: FetchServer;
const ADMIN = { username: "probe-admin", password: "Sturdy-secret-4-tests" };
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
const LEAKS = [/Failed query/i, /select /i, /insert into/i, /\/work\/|\/tmp\/|\/var\//, /\s+at .+\(.+:\d+:\d+\)/, /node_modules/];

beforeAll(async () => {
  await createLocalUser(db(), { ...ADMIN, isAdmin: true });
  const publicUrl = "http://127.0.0.1:1";
  server = await serveFetch(
    (req) =>
      fetchRequestHandler({
        endpoint: "/api/trpc",
        req,
        router: appRouter,
        createContext: () => createContext({ headers: req.headers, sessionUser: async () => null }),
      }),
    0,
    (req, res) => frontDoor(req, res, { publicUrl }),
  );
});
afterAll(async () => {
  await server?.close();
  await stopBoss();
});

type Procedure = { _def: { type: "query" | "mutation" | "subscription"; inputs: { shape?: Record<string, unknown>; def?: { type?: string } }[] } };
const procedures = Object.entries((appRouter._def as unknown as { procedures: Record<string, Procedure> }).procedures);

/** Every top-level field of the procedure's input set to a string with a NUL in it. */
function probeInput(p: Procedure): unknown {
  const schema = p._def.inputs[0];
  if (!schema) return undefined;
  if (schema.shape) return Object.fromEntries(Object.keys(schema.shape).map((k) => [k, `a\u0000${k}`]));
  return "a\u0000b";
}

async function call(path: string, type: "query" | "mutation", input: unknown, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ json: input });
  const res =
    type === "query" ?
      await fetch(`${server.url}/api/trpc/${path}?input=${encodeURIComponent(body)}`, { headers })
    : await fetch(`${server.url}/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: res.status, text: await res.text() };
}

describe("the boundary rule, over HTTP", () => {
  it("covers a few hundred procedures", () => {
    expect(procedures.length).toBeGreaterThan(100);
  });

  it("refuses a NUL in every procedure's input with a 400 that names the field, for anonymous and admin callers alike", async () => {
    const failures: string[] = [];
    for (const [path, p] of procedures) {
      const input = probeInput(p);
      if (input === undefined || p._def.type === "subscription") continue;
      for (const auth of [undefined, basic(ADMIN.username, ADMIN.password)]) {
        const r = await call(path, p._def.type, input, auth ? { authorization: auth } : {});
        const firstField = typeof input === "object" ? Object.keys(input as object)[0] : "input";
        if (r.status !== 400 || !r.text.includes("must not contain control characters") || (firstField && !r.text.includes(firstField)))
          failures.push(`${path} (${auth ? "admin" : "anonymous"}): ${r.status} ${r.text.slice(0, 200)}`);
        for (const leak of LEAKS) if (leak.test(r.text)) failures.push(`${path}: leaks ${leak}: ${r.text.slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000); // every procedure, twice

  it("treats a NUL in Basic credentials as wrong credentials (401), not a database error", async () => {
    const r = await call("me.get", "query", undefined, { authorization: basic("a\u0000b", "pw") });
    expect(r.status).toBe(401);
    for (const leak of LEAKS) expect(r.text).not.toMatch(leak);
  });

  it("refuses a percent-encoded control character anywhere in the URL", async () => {
    const r = await fetch(`${server.url}/api/trpc/search.query?input=%00`);
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/control character/);
  });
});

describe("the front door, over HTTP", () => {
  const post = (path: string, headers: Record<string, string>, body = "{}") =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const req = http.request(`${server.url}${path}`, { method: "POST", headers }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  const auth = () => ({ authorization: basic(ADMIN.username, ADMIN.password) });

  it("refuses mutations a browser marks as cross-site or cross-origin, and form posts", async () => {
    const mutation = "/api/trpc/notifications.markAllRead";
    expect((await post(mutation, { ...auth(), "content-type": "application/json", "sec-fetch-site": "same-site", origin: "http://127.0.0.1:9" })).status).toBe(
      403,
    );
    expect((await post(mutation, { ...auth(), "content-type": "application/json", "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post(mutation, { ...auth(), "content-type": "application/json", origin: "http://evil.example" })).status).toBe(403);
    expect((await post(mutation, { ...auth(), "content-type": "application/json", origin: "null" })).status).toBe(403);
    const form = await post(mutation, { ...auth(), "content-type": "multipart/form-data; boundary=x", "sec-fetch-site": "same-origin" }, "--x--\r\n");
    expect(form.status).toBe(415);
    expect((await post(mutation, { ...auth(), "content-type": "text/plain" }, "{}")).status).toBe(415);
  });

  it("refuses a cross-site and a multipart post to every mutation before it runs", async () => {
    const failures: string[] = [];
    for (const [path, p] of procedures) {
      if (p._def.type !== "mutation") continue;
      const body = JSON.stringify({ json: probeInput(p) ?? null });
      const cross = await post(
        `/api/trpc/${path}`,
        { ...auth(), "content-type": "application/json", origin: "http://127.0.0.1:9", "sec-fetch-site": "same-site" },
        body,
      );
      const form = await post(
        `/api/trpc/${path}`,
        { ...auth(), "content-type": "multipart/form-data; boundary=x", "sec-fetch-site": "same-origin" },
        "--x--\r\n",
      );
      if (cross.status !== 403 || form.status !== 415) failures.push(`${path}: cross-site ${cross.status}, multipart ${form.status}`);
    }
    expect(failures).toEqual([]);
  });

  it("lets our own pages and machines (no Origin, no Sec-Fetch-Site) through", async () => {
    const own = await post(
      "/api/trpc/notifications.markAllRead",
      { ...auth(), "content-type": "application/json", "sec-fetch-site": "same-origin", origin: server.url },
      JSON.stringify({ json: null }),
    );
    expect(own.status).toBe(200);
    const machine = await post("/api/trpc/notifications.markAllRead", { ...auth(), "content-type": "application/json" }, JSON.stringify({ json: null }));
    expect(machine.status).toBe(200);
  });

  it("sets the security headers, with a fresh nonce per response", async () => {
    const a = await fetch(`${server.url}/api/trpc/me.get`);
    const b = await fetch(`${server.url}/api/trpc/me.get`);
    const csp = a.headers.get("content-security-policy")!;
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/base-uri 'self'/);
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'/);
    expect(csp).not.toBe(b.headers.get("content-security-policy"));
    expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    expect(a.headers.get("x-frame-options")).toBe("DENY");
    expect(a.headers.get("referrer-policy")).toBe("same-origin");
    expect(a.headers.get("strict-transport-security")).toBeNull();
  });
});

describe("behind https", () => {
  it("adds Strict-Transport-Security when PUBLIC_URL is https", async () => {
    const secure = await serveFetch(
      async () => new Response("ok"),
      0,
      (req, res) => frontDoor(req, res, { publicUrl: "https://rookery.example.com" }),
    );
    try {
      expect((await fetch(secure.url)).headers.get("strict-transport-security")).toBe("max-age=31536000");
    } finally {
      await secure.close();
    }
  });
});

describe("error texts a person can act on", () => {
  const admin = () => ({ authorization: basic(ADMIN.username, ADMIN.password) });

  it("puts the first field error in the message, not a JSON dump", async () => {
    const r = await call("me.createToken", "mutation", { name: "laptop", scope: "read" }, admin());
    expect(r.status).toBe(400);
    const body = JSON.parse(r.text) as { error: { json: { message: string; data: { fieldErrors: Record<string, string[]> } } } };
    expect(body.error.json.message).toBe("expiresAt: Choose an expiry date (or no expiry)");
    expect(body.error.json.data.fieldErrors.expiresAt).toEqual(["Choose an expiry date (or no expiry)"]);
  });

  it("answers an over-long text with 413", async () => {
    const csrPem = `-----BEGIN CERTIFICATE REQUEST-----\n${"A".repeat(2 * 1024 * 1024)}\n-----END CERTIFICATE REQUEST-----`;
    const r = await call("pki.request", "mutation", { slug: "x", caId: "00000000-0000-4000-8000-000000000000", csrPem, validityDays: 30 }, admin());
    expect(r.status).toBe(413);
    expect(r.text).toContain("csrPem: Too big");
  });

  it("says the same for a job that does not exist and one the caller may not see", async () => {
    const r = await call("runners.job", "query", { id: "00000000-0000-4000-8000-000000000000" }, admin());
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text).error.json.message).toBe("Not found");
  });
});

describe("the error formatter", () => {
  it("turns an unexpected error into a generic message with a request id; the detail goes only to the log", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const cause = new Error('Failed query: select "password_hash" from "users" where "username" = $1\nparams: a');
    const shape = {
      message: cause.message,
      code: -32603,
      data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500, path: "orgs.addMember", stack: "at x (/work/a.ts:1:1)" },
    };
    const out = formatError({ shape, error: new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause }), path: "orgs.addMember" });
    const text = JSON.stringify(out);
    for (const leak of LEAKS) expect(text).not.toMatch(leak);
    expect(out.message).toMatch(/request id [0-9a-f]{12}/);
    const id = (out.data as { requestId: string }).requestId;
    expect(log.mock.calls.flat().join(" ")).toContain(`[error ${id}] tRPC orgs.addMember: Error: Failed query`);
    log.mockRestore();
  });
});
