import fs from "node:fs";
import { getDb } from "@/db/client";
import { can, type Actor } from "@/server/auth/policy";
import { serveFile } from "./http-file";
import { latestStage, latestText, listStages, stageFile } from "./stages";

/**
 * GET/HEAD /stages/<env>/<arch>/<name>/… — published stages, anonymous like the binhost:
 *   stage3-<arch>-<name>-<stamp>.tar.xz (+ .DIGESTS, .asc, .DIGESTS.asc), streamed with ranges
 *   latest-stage3.txt / latest-stage4.txt   Gentoo's pointer format (`<file> <size>`)
 *   latest.tar.xz                          302 to the newest tarball (what installers fetch)
 * Directories list as HTML. Only files of a published row are served: a half-written or
 * refused stage never is.
 */

const segmentPattern = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;
const notFound = () => new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });

function escapeHtml(s: string) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function html(req: Request, base: string, rows: { name: string; size?: number; date?: Date }[]) {
  const title = `Index of ${escapeHtml(base)}`;
  const body = rows
    .map(
      (r) =>
        `<tr><td><a href="${escapeHtml(base + r.name)}">${escapeHtml(r.name)}</a></td><td>${r.date ? r.date.toISOString().slice(0, 19).replace("T", " ") : ""}</td><td align="right">${r.size ?? "-"}</td></tr>`,
    )
    .join("");
  const text = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><table><tr><th align="left">Name</th><th align="left">Modified (UTC)</th><th align="right">Size</th></tr>${body}</table></body></html>\n`;
  return new Response(req.method === "HEAD" ? null : text, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" } });
}

function contentType(name: string) {
  if (name.endsWith(".tar.xz")) return "application/x-xz";
  if (name.endsWith(".asc")) return "application/pgp-signature";
  return "text/plain; charset=utf-8";
}

export async function serveStages(req: Request, actor: Actor, segments: string[]): Promise<Response> {
  if (!can(actor, "farm:stages")) return notFound();
  const parts = segments.filter(Boolean);
  if (parts.some((s) => !segmentPattern.test(s) || s.includes(".."))) return notFound();
  const db = getDb();
  if (parts.length < 3) {
    const all = await listStages(db, parts[0] ? { environment: parts[0] } : {});
    const level = all.filter((r) => parts.length < 2 || r.arch === parts[1]);
    const names = [...new Set(level.map((r) => [r.environment, r.arch, r.name][parts.length]))].sort();
    if (parts.length && !names.length) return notFound();
    return html(
      req,
      `/stages/${parts.map((p) => `${p}/`).join("")}`,
      names.map((n) => ({ name: `${n}/` })),
    );
  }
  const target = { environment: parts[0], arch: parts[1], name: parts[2] };
  if (parts.length === 3) {
    const rows = (await listStages(db, { environment: target.environment })).filter((r) => r.arch === target.arch && r.name === target.name);
    if (!rows.length) return notFound();
    const entries = [
      ...[...new Set(rows.map((r) => r.kind))].map((k) => ({ name: `latest-${k}.txt` })),
      { name: "latest.tar.xz" },
      ...rows.flatMap((r) => [
        { name: r.fileName, size: r.bytes, date: r.createdAt },
        { name: `${r.fileName}.DIGESTS`, date: r.createdAt },
        ...(r.signingKey ?
          [
            { name: `${r.fileName}.asc`, date: r.createdAt },
            { name: `${r.fileName}.DIGESTS.asc`, date: r.createdAt },
          ]
        : []),
      ]),
    ];
    return html(req, `/stages/${parts.join("/")}/`, entries);
  }
  if (parts.length !== 4) return notFound();
  const name = parts[3];
  const pointer = name.match(/^latest-(stage3|stage4)\.txt$/);
  if (pointer || name === "latest.tar.xz") {
    const row = await latestStage(db, target, pointer ? (pointer[1] as "stage3" | "stage4") : undefined);
    if (!row) return notFound();
    if (pointer)
      return new Response(req.method === "HEAD" ? null : latestText(row), {
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" },
      });
    return new Response(null, { status: 302, headers: { location: `/stages/${parts.slice(0, 3).join("/")}/${row.fileName}`, "cache-control": "no-cache" } });
  }
  const file = await stageFile(db, target, name);
  const st = file && fs.statSync(file.path, { throwIfNoEntry: false });
  if (!file || !st?.isFile()) return notFound();
  return serveFile(req, file.path, st, contentType(name));
}
