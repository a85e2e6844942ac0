import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";

/**
 * The rules every HTTP request meets before any route sees it (scripts/start.ts runs this
 * ahead of the binhost, OCSP and Next.js):
 * - no control characters in the URL (percent-encoded or not): 400;
 * - a state-changing request a browser marks as coming from another site or origin: 403.
 *   Machines (git, runners, puppet, OCSP clients, API scripts with tokens) send neither
 *   `Sec-Fetch-Site` nor `Origin`, so they pass; cookies only ride along from browsers;
 * - tRPC mutations only as JSON (no form posts, which a foreign page can send): 415;
 * - security headers on every response, with a fresh CSP nonce that Next.js puts on its scripts.
 */
/** The client's IP as the front door saw it; any value a client sends under this name is replaced. */
export const CLIENT_ADDRESS_HEADER = "x-rookery-client-address";

export function clientAddress(headers: Headers | IncomingHttpHeaders): string {
  const v = headers instanceof Headers ? headers.get(CLIENT_ADDRESS_HEADER) : headers[CLIENT_ADDRESS_HEADER];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

export type FrontDoorOptions = { publicUrl: string; dev?: boolean };

type Refusal = { status: number; message: string };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const ENCODED_CONTROL = /%(0[0-9a-f]|1[0-9a-f]|7f)/i;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u001f\u007f]/;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function refusal(req: IncomingMessage, opts: FrontDoorOptions): Refusal | null {
  const url = req.url ?? "/";
  if (ENCODED_CONTROL.test(url) || RAW_CONTROL.test(url))
    return { status: 400, message: "The URL contains a control character (such as %00); remove it and try again." };
  if (SAFE_METHODS.has(req.method ?? "GET")) return null;

  const site = header(req, "sec-fetch-site");
  const origin = header(req, "origin");
  if (site ? site !== "same-origin" && site !== "none" : origin !== undefined && !ownOrigins(req, opts).includes(origin))
    return { status: 403, message: `Cross-site request refused: changes are only accepted from pages of ${new URL(opts.publicUrl).origin}.` };

  if (url.startsWith("/api/trpc/") && !(header(req, "content-type") ?? "").toLowerCase().startsWith("application/json"))
    return { status: 415, message: "The API takes JSON: send Content-Type: application/json." };
  return null;
}

/** The portal's public origin, and the origin the request itself addressed (a direct or proxied name). */
function ownOrigins(req: IncomingMessage, opts: FrontDoorOptions): string[] {
  const host = header(req, "host");
  return [new URL(opts.publicUrl).origin, ...(host ? [`http://${host}`, `https://${host}`] : [])];
}

export function contentSecurityPolicy(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // React's style props and highlighted code are inline styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function setSecurityHeaders(req: IncomingMessage, res: ServerResponse, opts: FrontDoorOptions) {
  const nonce = randomBytes(16).toString("base64");
  const csp = contentSecurityPolicy(nonce, opts.dev);
  // Next.js reads the nonce from the request's CSP header and puts it on its own scripts;
  // the root layout reads x-nonce for ours.
  req.headers["content-security-policy"] = csp;
  req.headers["x-nonce"] = nonce;
  res.setHeader("content-security-policy", csp);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  res.setHeader("referrer-policy", "same-origin");
  if (opts.publicUrl.startsWith("https://")) res.setHeader("strict-transport-security", "max-age=31536000");
}

/** Answers the request itself when a rule refuses it (true), else sets the headers and lets it through. */
export function frontDoor(req: IncomingMessage, res: ServerResponse, opts: FrontDoorOptions): boolean {
  const refused = refusal(req, opts);
  if (refused) {
    res.writeHead(refused.status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" });
    res.end(`${refused.message}\n`);
    return true;
  }
  req.headers[CLIENT_ADDRESS_HEADER] = req.socket.remoteAddress ?? "";
  setSecurityHeaders(req, res, opts);
  return false;
}
