import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";
import { actorFromAuthorizationHeader } from "@/server/auth/credentials";
import { getDb } from "@/db/client";
import { can, type Actor } from "@/server/auth/policy";
import { getConfig } from "@/server/config";
import { getSigningKey } from "@/server/pki/gpg";
import { binhostRoot, checkTarget } from "./binhost";
import { buildsFeed, taggedPublication } from "./builds";
import { getArchitecture } from "./catalog";
import { binreposConf, binreposEntries } from "./generate";
import { profilesForEnvironment } from "./repo";
import { clientAddress } from "@/server/security/front-door";
import { fileReply, serveFile } from "./http-file";

/**
 * GET/HEAD /packages/<env>/gentoo/<arch>/<profile>/… — what emerge fetches (Packages,
 * Packages.gz, cat/pn/pf-N.gpkg.tar) plus an HTML listing of directories for people.
 * Files are streamed with ETag / Last-Modified (304) and single byte ranges (206).
 * /packages/<env>/stacks/<stack>/<arch>/{binrepos.conf,make.conf} are generated.
 */

const segmentPattern = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;

const notFound = () => new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });

function contentType(name: string) {
  if (name.endsWith(".atom")) return "application/atom+xml; charset=utf-8";
  if (name === "Packages" || name.endsWith(".conf")) return "text/plain; charset=utf-8";
  if (name.endsWith(".asc")) return "application/pgp-keys";
  if (name.endsWith(".gz")) return "application/gzip";
  if (name.endsWith(".tar")) return "application/x-tar";
  return "application/octet-stream";
}

function escapeHtml(s: string) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The real path of a URL below the binhost root, or null (traversal, hidden entries, missing). */
export function resolveServed(segments: string[]): string | null {
  if (segments.some((s) => !segmentPattern.test(s) || s.includes(".."))) return null;
  const root = binhostRoot();
  let real: string;
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
    real = fs.realpathSync(path.join(root, ...segments));
  } catch {
    return null;
  }
  return real === realRoot || real.startsWith(realRoot + path.sep) ? real : null;
}

function listing(urlPath: string, dir: string) {
  const entries = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith("."))
    .map((e) => {
      const full = path.join(dir, e.name);
      const st = fs.statSync(full);
      return {
        name: e.name + (st.isDirectory() ? "/" : ""),
        size: st.isDirectory() ? "-" : String(st.size),
        mtime: st.mtime.toISOString().slice(0, 19).replace("T", " "),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const base = urlPath.endsWith("/") ? urlPath : `${urlPath}/`;
  const rows = entries.map(
    (e) => `<tr><td><a href="${escapeHtml(base + e.name)}">${escapeHtml(e.name)}</a></td><td>${e.mtime}</td><td align="right">${e.size}</td></tr>`,
  );
  const title = `Index of ${escapeHtml(base)}`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><table><tr><th align="left">Name</th><th align="left">Modified (UTC)</th><th align="right">Size</th></tr>${base !== "/packages/" ? `<tr><td><a href="${escapeHtml(base.replace(/[^/]+\/$/, ""))}">../</a></td><td></td><td></td></tr>` : ""}${rows.join("")}</table></body></html>\n`;
}

/** binrepos.conf and a make.conf snippet for hosts of a stack: the stack's binhosts, most specific first. */
export async function stackFile(environment: string, stack: string, arch: string, name: string): Promise<string | null> {
  const db = getDb();
  const branch = await profilesForEnvironment(db, environment);
  const s = branch?.stacks.get(stack);
  if (!branch || !s) return null;
  const system = branch.profiles.get(s.system)!;
  if (!system.architectures.includes(arch)) return null;
  const base = `${getConfig().publicUrl}/packages`;
  const entries = binreposEntries(base, environment, arch, [...s.profiles].reverse());
  const key = await getSigningKey(db, environment);
  if (name === "binrepos.conf")
    return binreposConf(entries, `Stack ${stack} (${s.profiles.join(" + ")}), ${environment}, ${arch}: save as /etc/portage/binrepos.conf/rookery.conf`, !!key);
  if (name === "make.conf") {
    const a = await getArchitecture(db, arch);
    return [
      `# Stack ${stack} (${environment}, ${arch}): add to /etc/portage/make.conf`,
      ...(key ?
        [
          `# Packages are signed with ${key.fingerprint}; trust it once (as root):`,
          `#   curl -s ${base}/${environment}/gentoo/signing-key.asc | gpg --homedir /etc/portage/gnupg --import`,
          `#   echo ${key.fingerprint}:6: | gpg --homedir /etc/portage/gnupg --import-ownertrust`,
        ]
      : ["# This environment has no signing key yet: drop binpkg-request-signature until an admin creates one."]),
      `# Built from build-profiles ${branch.branch} @ ${branch.commit.slice(0, 12)} with portage profile ${system.portageProfile}.`,
      ...(a ? [`CHOST="${a.chost}"`] : []),
      'FEATURES="${FEATURES} getbinpkg binpkg-request-signature"',
      'EMERGE_DEFAULT_OPTS="${EMERGE_DEFAULT_OPTS} --getbinpkg --usepkg"',
      "# Source tarballs from Rookery's distfiles mirror (portage appends /distfiles/); private ones of your org:",
      `#   echo "local ${getConfig().publicUrl.replace("://", "://USER:TOKEN@")}" >> /etc/portage/mirrors`,
      `GENTOO_MIRRORS="${getConfig().publicUrl}"`,
      "",
    ].join("\n");
  }
  return null;
}

export async function serveBinhost(req: Request, actor: Actor, segments: string[]): Promise<Response> {
  if (!can(actor, "farm:binhost")) return notFound();
  if (segments.length === 5 && segments[1] === "stacks" && ["binrepos.conf", "make.conf"].includes(segments[4])) {
    if (!segments.every((s) => segmentPattern.test(s))) return notFound();
    const text = await stackFile(segments[0], segments[2], segments[3], segments[4]);
    if (text === null) return notFound();
    return new Response(req.method === "HEAD" ? null : text, { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" } });
  }
  if (segments.length === 3 && segments[1] === "gentoo" && segments[2] === "signing-key.asc") {
    if (!segmentPattern.test(segments[0])) return notFound();
    const key = await getSigningKey(getDb(), segments[0]);
    if (!key) return notFound();
    return new Response(req.method === "HEAD" ? null : key.publicKey, {
      headers: { "content-type": contentType("signing-key.asc"), "cache-control": "no-cache", "x-key-fingerprint": key.fingerprint },
    });
  }
  if (segments.length >= 4 && segments[1] === "gentoo" && segments[3].includes("@")) return serveTagged(req, segments);
  if (segments.length === 5 && segments[1] === "gentoo" && segments[4] === "builds.atom") {
    const t = targetOf(segments);
    if (!t) return notFound();
    const feed = await buildsFeed(getDb(), t, getConfig().publicUrl);
    return new Response(req.method === "HEAD" ? null : feed, { headers: { "content-type": contentType("builds.atom"), "cache-control": "no-cache" } });
  }
  const real = resolveServed(segments);
  if (!real) return notFound();
  return serveReal(req, real, `/packages/${segments.join("/")}`);
}

function targetOf(segments: string[]) {
  const t = { environment: segments[0], arch: segments[2], profile: segments[3] };
  try {
    checkTarget(t);
  } catch {
    return null;
  }
  return t;
}

async function serveReal(req: Request, real: string, urlPath: string) {
  const st = fs.statSync(real);
  if (st.isDirectory()) {
    const html = listing(urlPath, real);
    return new Response(req.method === "HEAD" ? null : html, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" } });
  }
  if (!st.isFile()) return notFound();
  return serveFile(req, real, st, contentType(path.basename(real)));
}

/**
 * /packages/<env>/gentoo/<arch>/<profile>@<tag>/… — a tagged build, read-only, exactly as it
 * was published. Its index names the tagged URL as `URI` (portage fetches packages from the
 * index's URI), so Packages and Packages.gz are rewritten on the way out; the packages are
 * the publication's own files.
 */
async function serveTagged(req: Request, segments: string[]): Promise<Response> {
  const [profile, tag, ...more] = segments[3].split("@");
  const t = more.length ? null : targetOf([segments[0], segments[1], segments[2], profile]);
  if (!t || !tag) return notFound();
  const found = await taggedPublication(getDb(), t, tag);
  if (!found) return notFound();
  const rest = segments.slice(4);
  if (rest.some((s) => !segmentPattern.test(s) || s.includes(".."))) return notFound();
  let real: string;
  try {
    real = fs.realpathSync(path.join(found.dir, ...rest));
  } catch {
    return notFound();
  }
  const root = fs.realpathSync(found.dir);
  if (real !== root && !real.startsWith(root + path.sep)) return notFound();
  const name = rest.join("/");
  if (name === "Packages" || name === "Packages.gz") {
    const text = fs.readFileSync(path.join(found.dir, "Packages"), "utf8");
    const end = text.indexOf("\n\n");
    const header = (end < 0 ? text : text.slice(0, end)).replace(/^URI: (.*)$/m, (_, uri: string) => `URI: ${uri}@${tag}`);
    const body = header + (end < 0 ? "" : text.slice(end));
    const bytes = name === "Packages" ? Buffer.from(body) : gzipSync(body);
    return new Response(req.method === "HEAD" ? null : new Uint8Array(bytes), {
      headers: { "content-type": contentType(name), "content-length": String(bytes.length), "cache-control": "no-cache" },
    });
  }
  return serveReal(req, real, `/packages/${segments.join("/")}`);
}

/**
 * The same binhost for a plain node:http server, ahead of Next.js: emerge and the
 * benchmarks hit /packages hard, and Next's routing costs more than serving a 304.
 * Returns false when the URL is not under /packages/ (the caller passes it on).
 */
export function serveBinhostNode(req: IncomingMessage, res: ServerResponse): boolean {
  const url = req.url ?? "/";
  if (!url.startsWith("/packages/") || (req.method !== "GET" && req.method !== "HEAD")) return false;
  void (async () => {
    const pathname = url.split("?")[0];
    const segments = pathname
      .slice("/packages/".length)
      .split("/")
      .filter(Boolean)
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return "\0";
        }
      });
    // Anonymous may fetch packages (the policy says so): no credential lookup on the hot path.
    const anonymous: Actor = { kind: "anonymous" };
    const actor: Actor =
      (!can(anonymous, "farm:binhost") && req.headers.authorization ?
        await actorFromAuthorizationHeader(req.headers.authorization, clientAddress(req.headers))
      : null) ?? anonymous;
    if (segments[1] !== "stacks" && can(actor, "farm:binhost")) {
      const real = resolveServed(segments);
      const st = real ? fs.statSync(real) : null;
      if (real && st?.isFile()) {
        const r = fileReply(req.method!, (n) => req.headers[n] as string | undefined, st, contentType(path.basename(real)));
        res.writeHead(r.status, r.headers);
        if (!r.range) return void res.end();
        return pipeline(fs.createReadStream(real, r.range), res);
      }
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const response = await serveBinhost(new Request(`http://binhost${pathname}`, { method: req.method, headers }), actor, segments);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), res);
  })().catch((e) => {
    console.error(`binhost ${url}:`, e instanceof Error ? e.message : e);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end("Internal error\n");
    else res.destroy();
  });
  return true;
}
