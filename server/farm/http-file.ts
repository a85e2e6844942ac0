import fs from "node:fs";
import { Readable } from "node:stream";

/**
 * Serving one file from disk over HTTP, shared by the binhost (/packages) and the distfiles
 * mirror (/distfiles): ETag / Last-Modified (304), single byte ranges (206 / 416), streamed.
 */

export type FileReply = { status: number; headers: Record<string, string>; range: { start: number; end: number } | null };

/** Conditional and range handling of one file, shared by the Web and the node:http paths. */
export function fileReply(method: string, header: (name: string) => string | null | undefined, st: fs.Stats, contentType: string): FileReply {
  const etag = `"${st.ino.toString(16)}-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000);
  const headers: Record<string, string> = {
    "content-type": contentType,
    etag,
    "last-modified": lastModified.toUTCString(),
    "accept-ranges": "bytes",
    "cache-control": "no-cache",
  };
  const inm = header("if-none-match");
  const ims = header("if-modified-since");
  if (
    inm ? inm.split(",").some((t) => t.trim() === etag || t.trim() === "*") : ims && !Number.isNaN(Date.parse(ims)) && lastModified.getTime() <= Date.parse(ims)
  )
    return { status: 304, headers, range: null };

  let start = 0;
  let end = st.size - 1;
  let status = 200;
  const range = header("range");
  const ifRange = header("if-range");
  if (range && (!ifRange || ifRange === etag)) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && m[1] === "" && m[2] !== "") start = Math.max(0, st.size - Number(m[2]));
    else if (m && m[1] !== "") {
      start = Number(m[1]);
      if (m[2] !== "") end = Math.min(Number(m[2]), st.size - 1);
    }
    if (!m || (m[1] === "" && m[2] === "") || start >= st.size || start > end)
      return { status: 416, headers: { ...headers, "content-range": `bytes */${st.size}` }, range: null };
    status = 206;
    headers["content-range"] = `bytes ${start}-${end}/${st.size}`;
  }
  headers["content-length"] = String(st.size === 0 ? 0 : end - start + 1);
  return { status, headers, range: method === "HEAD" || st.size === 0 ? null : { start, end } };
}

export function serveFile(req: Request, file: string, st: fs.Stats, contentType: string): Response {
  const r = fileReply(req.method, (n) => req.headers.get(n), st, contentType);
  if (!r.range) return new Response(null, { status: r.status, headers: r.headers });
  const stream = Readable.toWeb(fs.createReadStream(file, r.range)) as ReadableStream<Uint8Array>;
  return new Response(stream, { status: r.status, headers: r.headers });
}
