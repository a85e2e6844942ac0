import type { IncomingMessage, ServerResponse } from "node:http";
import { getDb } from "@/db/client";
import { can, type Actor } from "@/server/auth/policy";
import { chainPem, getCa } from "./ca";
import { ocspAnswer } from "./certs";
import { errorResponse, parseOcspRequest } from "./ocsp";
import { cacheOcspAnswer, cachedOcspAnswer, cachedOcspAnswerForBytes, ocspCacheGeneration } from "./ocsp-cache";
import { PemConverter } from "./lib";

/**
 * Public PKI endpoints (no login; machines fetch them): `/pki/ocsp` (RFC 6960 POST and
 * RFC 5019 GET), `/pki/<ca>/crl` (DER) and `crl.pem`, `/pki/<ca>/ca.crt` (DER), `ca.pem`, `chain.pem`.
 * OCSP also has a plain node:http path (`serveOcspNode`) ahead of Next.js in `npm start`.
 */
const MAX_OCSP_REQUEST = 64 * 1024;
const anonymous: Actor = { kind: "anonymous" };
const ocspHeaders = { "content-type": "application/ocsp-response", "cache-control": "no-cache" };

/** The DER request of a POST body or of an RFC 5019 GET path (base64 after /pki/ocsp/, may contain slashes). */
function requestDer(method: string, contentType: string | null, body: Uint8Array | null, encodedPath: string): Uint8Array | null {
  if (method === "POST")
    return /^application\/ocsp-request/i.test(contentType ?? "application/ocsp-request") && body && body.length <= MAX_OCSP_REQUEST ? body : null;
  try {
    return encodedPath ? new Uint8Array(Buffer.from(decodeURIComponent(encodedPath), "base64")) : null;
  } catch {
    return null;
  }
}

/** Always a DER OCSPResponse: the cached or stored pre-signed answer, a fresh one, or an error status. */
export async function answerOcsp(der: Uint8Array | null): Promise<Buffer> {
  if (!der) return errorResponse("malformedRequest");
  const db = getDb();
  const seen = cachedOcspAnswerForBytes(db, der);
  if (seen) return seen;
  const parsed = parseOcspRequest(der);
  if (!parsed) return errorResponse("malformedRequest");
  // A nonce may need echoing (the sub-CA's ocspNonce option): only ocspAnswer knows the CA's policy.
  const cached = parsed.nonce ? null : cachedOcspAnswer(db, parsed);
  if (cached) return cached;
  const generation = ocspCacheGeneration();
  try {
    const answer = await ocspAnswer(db, parsed);
    if (answer.refreshAt) cacheOcspAnswer(parsed, answer.der, answer.refreshAt, generation, der);
    return answer.der;
  } catch (e) {
    console.error("OCSP:", e instanceof Error ? e.message : e);
    return errorResponse("internalError");
  }
}

export async function handleOcsp(req: Request, pathRest: string[]): Promise<Response> {
  const body = req.method === "POST" ? new Uint8Array(await req.arrayBuffer()) : null;
  const der = await answerOcsp(requestDer(req.method, req.headers.get("content-type"), body, pathRest.join("/")));
  return new Response(new Uint8Array(der), { headers: ocspHeaders });
}

/** `/pki/ocsp` straight on node:http (no Next.js router): true when it took the request. */
export function serveOcspNode(req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? "/";
  if (!(url === "/pki/ocsp" || url.startsWith("/pki/ocsp/")) || (req.method !== "GET" && req.method !== "POST") || !can(anonymous, "pki:status")) return false;
  const reply = (der: Buffer) => res.writeHead(200, { ...ocspHeaders, "content-length": der.length }).end(der);
  const fail = (e: unknown) => {
    console.error("OCSP:", e instanceof Error ? e.message : e);
    if (!res.headersSent) reply(errorResponse("internalError"));
  };
  if (req.method === "GET") {
    answerOcsp(requestDer("GET", null, null, url.slice("/pki/ocsp/".length))).then(reply, fail);
    return true;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (c: Buffer) => {
    size += c.length;
    if (size <= MAX_OCSP_REQUEST) chunks.push(c);
  });
  req.on("end", () => {
    const body = size <= MAX_OCSP_REQUEST ? new Uint8Array(Buffer.concat(chunks)) : null;
    answerOcsp(requestDer("POST", req.headers["content-type"] ?? null, body, "")).then(reply, fail);
  });
  req.on("error", fail);
  return true;
}

function notFound(message = "Not found") {
  return new Response(message + "\n", { status: 404, headers: { "content-type": "text/plain" } });
}

export async function handlePki(req: Request, path: string[]): Promise<Response> {
  if (!can(anonymous, "pki:status")) return new Response("Forbidden\n", { status: 403 });
  if (path[0] === "ocsp") return handleOcsp(req, path.slice(1));
  if (req.method !== "GET" && req.method !== "HEAD") return new Response("Method not allowed\n", { status: 405 });
  if (path.length !== 2) return notFound();
  const [name, file] = path;
  const ca = await getCa(getDb(), { name });
  if (!ca?.certPem) return notFound(`No CA named ${name}`);
  const pem = (body: string, type = "application/x-pem-file") => new Response(body, { headers: { "content-type": type, "cache-control": "max-age=300" } });
  const der = (pemText: string, type: string) =>
    new Response(new Uint8Array(PemConverter.decodeFirst(pemText)), { headers: { "content-type": type, "cache-control": "max-age=300" } });
  switch (file) {
    case "ca.pem":
      return pem(ca.certPem);
    case "ca.crt":
      return der(ca.certPem, "application/pkix-cert");
    case "chain.pem":
      return pem(await chainPem(getDb(), ca));
    case "crl":
    case "crl.pem":
      if (!ca.crlPem) return notFound(`${name} has not published a CRL yet`);
      return file === "crl" ? der(ca.crlPem, "application/pkix-crl") : pem(ca.crlPem);
    default:
      return notFound();
  }
}
