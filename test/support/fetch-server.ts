import http from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";

export type FetchServer = { url: string; port: number; close: () => Promise<void> };

/**
 * Serves a fetch-style handler (the same functions our Next routes export) from a plain
 * Node server on 127.0.0.1, streaming both ways — for protocol tests without a Next build.
 */
export async function serveFetch(
  handler: (req: Request) => Promise<Response>,
  port = 0,
  /** runs first, like scripts/start.ts's front door; true when it answered */
  before?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<FetchServer> {
  const server = http.createServer(async (req, res) => {
    if (before?.(req, res)) return;
    try {
      const url = `http://${req.headers.host}${req.url}`;
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: hasBody ? (Readable.toWeb(req) as unknown as ReadableStream) : undefined,
        // @ts-expect-error Node's fetch needs this for streamed request bodies
        duplex: "half",
      });
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      if (response.body) Readable.fromWeb(response.body as unknown as NodeWebStream).pipe(res);
      else res.end();
    } catch (e) {
      res.writeHead(500);
      res.end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
