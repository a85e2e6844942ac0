import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { getDb } from "@/db/client";
import { recordAudit } from "@/server/audit";
import { actorFromUser, userFromAuthorizationHeader } from "@/server/auth/credentials";
import { authorize, policyResponse, type Actor } from "@/server/auth/policy";
import { InputError } from "@/server/errors";
import { clientAddress } from "@/server/security/front-door";
import { publishUploadedPackages, receivePackagesTar, targetSchema, uploadDir } from "./upload";

/**
 * `POST /api/v1/binhost/<env>/<arch>/<profile>` with `content-type: application/x-tar`: an
 * uncompressed tar of `cat/pf[-N].gpkg.tar` files becomes the binhost's new publication
 * (administrators; a write token, Bearer or Basic). Streamed to disk, verified, then
 * published all at once, or refused naming the package and nothing published.
 */

const json = (status: number, data: object) => Response.json(data, { status, headers: { "cache-control": "no-store" } });

export async function postBinhostPublication(req: Request, params: { environment: string; arch: string; profile: string }): Promise<Response> {
  const header = req.headers.get("authorization");
  const viaHeader = header ? await userFromAuthorizationHeader(header, clientAddress(req.headers)) : null;
  if (header && !viaHeader) return json(401, { message: "Invalid credentials" });
  // a machine API: personal access tokens (or a password) in the header, no browser session
  const actor: Actor = viaHeader ? actorFromUser(viaHeader.user, viaHeader.scope) : { kind: "anonymous" };
  try {
    authorize(actor, "binhost:publish");
  } catch (e) {
    return policyResponse(e, "json");
  }
  const parsed = targetSchema.safeParse(params);
  if (!parsed.success) return json(404, { message: "Not found" });
  const t = parsed.data;
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/x-tar") return json(415, { message: "Send the packages as an uncompressed tar (content-type: application/x-tar)" });
  if (!req.body) return json(400, { message: "The request has no body", field: "files" });

  const db = getDb();
  const targetId = `${t.environment}/${t.arch}/${t.profile}`;
  const dir = await uploadDir();
  try {
    const packages = await receivePackagesTar(Readable.fromWeb(req.body as unknown as NodeWebStream), dir);
    const r = await publishUploadedPackages(db, t, packages);
    await recordAudit(db, {
      actor,
      action: "binhost.publish",
      targetType: "binhost",
      targetId,
      outcome: "success",
      details: { publication: r.publicationId, packages: r.packages, inherited: r.inherited, bytes: r.bytes, signedBy: r.signedBy },
    });
    return json(201, { publication: r.publicationId, packages: r.packages, inherited: r.inherited, bytes: r.bytes, signedBy: r.signedBy });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOSPC") return json(507, { message: "The portal's disk is full: nothing was published" });
    if (!(e instanceof InputError)) throw e;
    await recordAudit(db, { actor, action: "binhost.publish", targetType: "binhost", targetId, outcome: "failure", details: { message: e.message } });
    return json(e.status, { message: e.message, field: e.field });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
