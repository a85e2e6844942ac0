import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";

export type ReceivedHook = { path: string; headers: http.IncomingHttpHeaders; body: string; json: Record<string, unknown> };

export type HookListener = {
  url: string;
  received: ReceivedHook[];
  /** The status (and body) answered on a path; default 200 "ok". */
  respond: (path: string, status: number, body?: string) => void;
  /** Resolves once `n` requests arrived on `path` (all paths when omitted). */
  waitFor: (n: number, path?: string, timeoutMs?: number) => Promise<ReceivedHook[]>;
  close: () => Promise<void>;
};

/** A real HTTP endpoint on 127.0.0.1 that records every webhook it receives. */
export async function startHookListener(): Promise<HookListener> {
  const received: ReceivedHook[] = [];
  const answers = new Map<string, { status: number; body: string }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body);
      } catch {
        // not JSON: keep {}, the raw body is recorded
      }
      const path = (req.url ?? "/").split("?")[0];
      received.push({ path, headers: req.headers, body, json });
      const answer = answers.get(path) ?? { status: 200, body: "ok" };
      res.writeHead(answer.status, { "content-type": "text/plain" });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    respond: (path, status, body = "") => answers.set(path, { status, body }),
    async waitFor(n, path, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      const matching = () => received.filter((r) => path === undefined || r.path === path);
      while (matching().length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} webhook(s) on ${path ?? "any path"}, got ${matching().length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return matching();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether X-Rookery-Signature is the HMAC-SHA256 of the raw body with `secret`. */
export function validSignature(hook: ReceivedHook, secret: string): boolean {
  const given = String(hook.headers["x-rookery-signature"] ?? "");
  const expected = `sha256=${createHmac("sha256", secret).update(hook.body).digest("hex")}`;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
