import { getDb } from "@/db/client";
import { chainPem, getCa } from "./ca";
import { ocspAnswer } from "./certs";
import { errorResponse, parseOcspRequest } from "./ocsp";
import { PemConverter } from "./lib";

/**
 * Public PKI endpoints (no login; machines fetch them): `/pki/ocsp` (RFC 6960 POST and
 * RFC 5019 GET), `/pki/<ca>/crl` (DER) and `crl.pem`, `/pki/<ca>/ca.crt` (DER), `ca.pem`, `chain.pem`.
 */
const MAX_OCSP_REQUEST = 64 * 1024;

function ocspResponse(der: Buffer) {
  return new Response(new Uint8Array(der), { headers: { "content-type": "application/ocsp-response", "cache-control": "no-cache" } });
}

async function readLimited(req: Request): Promise<Uint8Array | null> {
  const buf = new Uint8Array(await req.arrayBuffer());
  return buf.length > MAX_OCSP_REQUEST ? null : buf;
}

export async function handleOcsp(req: Request, pathRest: string[]): Promise<Response> {
  let der: Uint8Array | null = null;
  if (req.method === "POST") {
    if (!/^application\/ocsp-request/i.test(req.headers.get("content-type") ?? "application/ocsp-request")) return ocspResponse(errorResponse("malformedRequest"));
    der = await readLimited(req);
  } else {
    // RFC 5019: GET /pki/ocsp/<url-encoded base64 DER>; the base64 may itself contain slashes.
    const encoded = pathRest.join("/");
    try {
      der = encoded ? new Uint8Array(Buffer.from(decodeURIComponent(encoded), "base64")) : null;
    } catch {
      der = null;
    }
  }
  const parsed = der ? parseOcspRequest(der) : null;
  if (!parsed) return ocspResponse(errorResponse("malformedRequest"));
  try {
    return ocspResponse(await ocspAnswer(getDb(), parsed));
  } catch (e) {
    console.error("OCSP:", e instanceof Error ? e.message : e);
    return ocspResponse(errorResponse("internalError"));
  }
}

function notFound(message = "Not found") {
  return new Response(message + "\n", { status: 404, headers: { "content-type": "text/plain" } });
}

export async function handlePki(req: Request, path: string[]): Promise<Response> {
  if (path[0] === "ocsp") return handleOcsp(req, path.slice(1));
  if (req.method !== "GET" && req.method !== "HEAD") return new Response("Method not allowed\n", { status: 405 });
  if (path.length !== 2) return notFound();
  const [name, file] = path;
  const ca = await getCa(getDb(), { name });
  if (!ca?.certPem) return notFound(`No CA named ${name}`);
  const pem = (body: string, type = "application/x-pem-file") => new Response(body, { headers: { "content-type": type, "cache-control": "max-age=300" } });
  const der = (pemText: string, type: string) => new Response(new Uint8Array(PemConverter.decodeFirst(pemText)), { headers: { "content-type": type, "cache-control": "max-age=300" } });
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
