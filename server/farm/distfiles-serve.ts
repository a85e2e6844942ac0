import fs from "node:fs";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { distfiles } from "@/db/schema";
import { actorFromAuthorizationHeader, actorFromUser } from "@/server/auth/credentials";
import { authorize, can, policyResponse, PolicyError, type Actor } from "@/server/auth/policy";
import { clientAddress } from "@/server/security/front-door";
import type { User } from "@/server/users";
import { httpStatusOf, DomainError } from "@/server/errors";
import { orgScopeFor } from "@/server/orgs";
import { fileReply } from "./http-file";
import {
  fetchDistfile,
  isDistfileName,
  isPrivateName,
  LAYOUT_CONF,
  layoutPath,
  markUsed,
  privateDistfileFor,
  publicDistfile,
  storePath,
  uploadPrivateDistfile,
  type Distfile,
} from "./distfiles";

/**
 * /distfiles/ — Gentoo's mirror layout, for GENTOO_MIRRORS="<portal>" (portage appends
 * /distfiles/ itself):
 *   GET /distfiles/layout.conf                 filename-hash BLAKE2B 8, then flat
 *   GET /distfiles/<2 hex>/<name>              filename-hash path
 *   GET /distfiles/<name>                      flat path
 *   GET|PUT /distfiles/orgs/<org>/<name>       one organization's private distfile (PUT: leaders upload)
 * The first three serve the public mirror (fetched from upstream on a miss) and, to callers
 * with credentials, their organizations' private distfiles of that name. An anonymous request
 * for a name only private distfiles have is answered 401 with a Basic challenge, so wget
 * (portage's FETCHCOMMAND) retries with the user:token of a `local` mirror in /etc/portage/mirrors.
 */

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });

const notFound = (message = "Not found") => text(404, message);

function errorResponse(e: unknown): Response {
  if (e instanceof PolicyError) return policyResponse(e);
  if (e instanceof DomainError) return text(httpStatusOf(e), e.message);
  throw e;
}

/** Streams a stored file with ETag / Last-Modified / ranges; a GET counts as a use. A lost blob → null. */
async function reply(req: Request, row: Distfile): Promise<Response | null> {
  const file = storePath(row.blake2b);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return null;
  }
  const r = fileReply(req.method, (n) => req.headers.get(n), st, "application/octet-stream");
  if (req.method === "GET") await markUsed(getDb(), row);
  if (!r.range) return new Response(null, { status: r.status, headers: r.headers });
  return new Response(Readable.toWeb(fs.createReadStream(file, r.range)) as ReadableStream<Uint8Array>, { status: r.status, headers: r.headers });
}

/** The name a mirror path asks for, or null (a filename-hash directory must be the name's own). */
export function distfileNameOf(segments: string[]): string | null {
  if (segments.length === 1 && isDistfileName(segments[0])) return segments[0];
  if (segments.length === 2 && /^[0-9a-f]{2}$/.test(segments[0]) && isDistfileName(segments[1]) && layoutPath(segments[1]) === segments.join("/"))
    return segments[1];
  return null;
}

async function serveByName(req: Request, actor: Actor, filename: string): Promise<Response> {
  const db = getDb();
  const own = await privateDistfileFor(db, actor, filename);
  if (own) return (await reply(req, own)) ?? notFound(`${filename}: its bytes are missing from the store; ask its organization's leaders to upload it again`);
  let row = await publicDistfile(db, filename);
  if (row) {
    const served = await reply(req, row);
    if (served) return served;
    // bytes removed under the row (retention racing a download): forget it and fetch again
    await db.delete(distfiles).where(eq(distfiles.id, row.id));
  }
  if (actor.kind === "anonymous" && (await isPrivateName(db, filename)))
    return text(401, "Sign in: this distfile is private to an organization", { "www-authenticate": 'Basic realm="Rookery", charset="UTF-8"' });
  row = await fetchDistfile(db, filename);
  return (await reply(req, row)) ?? notFound();
}

async function serveOrgFile(req: Request, actor: Actor, orgSlug: string, filename: string): Promise<Response> {
  const db = getDb();
  const found = await orgScopeFor(db, orgSlug, actor);
  if (req.method === "PUT") {
    authorize(actor, "org:distfiles:manage", found?.scope ?? null);
    if (actor.kind !== "user" || !req.body) return text(400, "Send the file as the request body");
    const row = await uploadPrivateDistfile(db, actor, found!.org, filename, Readable.fromWeb(req.body as WebReadableStream<Uint8Array>));
    return Response.json({ filename: row.filename, org: orgSlug, size: row.size, blake2b: row.blake2b }, { status: 201 });
  }
  authorize(actor, "org:distfiles:read", found?.scope ?? null);
  const row = await privateDistfileFor(db, actor, filename, orgSlug);
  return (row && (await reply(req, row))) ?? notFound(`${orgSlug} has no private distfile ${filename}`);
}

export async function serveDistfiles(req: Request, actor: Actor, segments: string[]): Promise<Response> {
  try {
    if (segments.length === 3 && segments[0] === "orgs" && isDistfileName(segments[2])) return await serveOrgFile(req, actor, segments[1], segments[2]);
    if (req.method !== "GET" && req.method !== "HEAD") return text(405, "Method not allowed", { allow: "GET, HEAD" });
    if (!can(actor, "farm:distfiles")) return notFound();
    if (segments.length === 1 && segments[0] === "layout.conf")
      return new Response(req.method === "HEAD" ? null : LAYOUT_CONF, {
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "max-age=3600" },
      });
    if (segments.length === 0) return text(200, "Rookery's distfiles mirror: GENTOO_MIRRORS is this portal's URL; portage reads /distfiles/layout.conf.");
    const filename = distfileNameOf(segments);
    if (!filename) return notFound();
    return await serveByName(req, actor, filename);
  } catch (e) {
    return errorResponse(e);
  }
}

/**
 * The whole request, as app/distfiles/ hands it over: machines authenticate with a token
 * (Basic or Bearer; wrong credentials → 401), people's browsers with their session.
 */
export async function handleDistfilesRequest(req: Request, rawSegments: string[], sessionUser: () => Promise<User | null>): Promise<Response> {
  const header = req.headers.get("authorization");
  let actor: Actor = { kind: "anonymous" };
  if (header) {
    // a user's token, or a running farm job's ROOKERY_JOB_TOKEN (public files only)
    const resolved = await actorFromAuthorizationHeader(header, clientAddress(req.headers));
    if (!resolved) return text(401, "Unknown credentials", { "www-authenticate": 'Basic realm="Rookery", charset="UTF-8"' });
    actor = resolved;
  } else {
    const user = await sessionUser();
    if (user) actor = actorFromUser(user);
  }
  const segments = rawSegments.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return "\0";
    }
  });
  return serveDistfiles(req, actor, segments);
}
