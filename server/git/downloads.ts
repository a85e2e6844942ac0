import type { Subprocess } from "./plumbing/spawner";
import { getDb } from "@/db/client";
import { actorFromUser, userFromAuthorizationHeader } from "@/server/auth/credentials";
import { PolicyError, type Actor } from "@/server/auth/policy";
import type { User } from "@/server/users";
import { openReadableRepo } from "./access";
import { decodeUrlSegments, listRefs, looksBinary, lookupPath, resolveRef, resolveRefPath } from "./plumbing/browse";
import { spawnGit } from "./plumbing/cli";
import { clientAddress } from "@/server/security/front-door";

/**
 * Route handlers for raw files and tag archives: same policy as the pages (`repo:read`,
 * 404 for non-members), the session or an Authorization header (Basic/Bearer, tokens),
 * and the bytes streamed from git, never held whole.
 */

export type SessionLookup = () => Promise<User | null>;

const notFound = () =>
  new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" } });

async function actorOf(req: Request, session: SessionLookup): Promise<Actor> {
  const header = req.headers.get("authorization");
  const viaHeader = header ? await userFromAuthorizationHeader(header, clientAddress(req.headers)) : null;
  const user = viaHeader?.user ?? (header ? null : await session());
  return user ? actorFromUser(user, viaHeader?.scope) : { kind: "anonymous" };
}

async function open(req: Request, session: SessionLookup, slug: string, repo: string) {
  const actor = await actorOf(req, session);
  try {
    return await openReadableRepo(getDb(), actor, slug, repo);
  } catch (e) {
    if (e instanceof PolicyError) return null;
    throw e;
  }
}

/** `attachment; filename=…` that survives any name: an ASCII fallback plus the RFC 5987 form. */
export function contentDisposition(kind: "attachment" | "inline", filename: string) {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * Waits for a child's first output (at least `sniff` bytes, or its end), then streams the
 * rest with backpressure. Resolves null when git failed before writing anything.
 */
function streamOutput(child: Subprocess, sniff = 1): Promise<{ head: Buffer; body: ReadableStream<Uint8Array> } | null> {
  const stdout = child.stdout!;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    let exitCode: number | null = null;
    let settled = false;
    const settle = () => {
      if (settled) return;
      if (!ended && size < sniff) return;
      if (ended && size === 0 && exitCode !== 0) {
        settled = true;
        resolve(null);
        return;
      }
      settled = true;
      stdout.off("data", onData);
      stdout.pause();
      const head = Buffer.concat(chunks);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          if (head.length) controller.enqueue(new Uint8Array(head));
          if (ended) {
            if (exitCode === 0) controller.close();
            else controller.error(new Error("git failed"));
            return;
          }
          stdout.on("data", (c: Buffer) => {
            controller.enqueue(new Uint8Array(c));
            if ((controller.desiredSize ?? 1) <= 0) stdout.pause();
          });
          child.on("close", (code) => {
            if (code === 0) controller.close();
            else controller.error(new Error(`git exited with ${code}`));
          });
        },
        pull() {
          stdout.resume();
        },
        cancel() {
          child.kill("SIGTERM");
        },
      });
      resolve({ head, body });
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      settle();
    };
    stdout.on("data", onData);
    child.on("close", (code) => {
      ended = true;
      exitCode = code;
      settle();
    });
    child.on("error", () => {
      ended = true;
      exitCode = 1;
      settle();
    });
  });
}

const safeHeaders = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
  "cache-control": "private, no-cache",
};

/** GET /orgs/<o>/repos/<r>/raw/<ref>/<path>[?name=<hex>] — one file's bytes. */
export async function handleRaw(req: Request, params: { slug: string; repo: string; path: string[] }, session: SessionLookup): Promise<Response> {
  const segments = decodeUrlSegments(params.path);
  if (!segments) return notFound();
  const opened = await open(req, session, params.slug, params.repo);
  if (!opened) return notFound();
  const { dir } = opened;
  const found = await resolveRefPath(dir, segments, await listRefs(dir));
  if (!found) return notFound();
  let bytes = Buffer.from(found.path, "utf8");
  const nameHex = new URL(req.url).searchParams.get("name");
  if (nameHex !== null) {
    if (!/^(?:[0-9a-f]{2}){1,1024}$/.test(nameHex)) return notFound();
    bytes = Buffer.concat([bytes, Buffer.from(found.path ? "/" : ""), Buffer.from(nameHex, "hex")]);
  }
  const object = await lookupPath(dir, found.ref.commit, bytes);
  if (!object || object.type !== "blob") return notFound();

  // The spawner, not simple-git: the blob is streamed to the response.
  const child = spawnGit(["cat-file", "blob", object.oid], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
  req.signal?.addEventListener("abort", () => child.kill("SIGTERM"));
  const out = await streamOutput(child, 8000);
  if (!out) return notFound();
  const filename = bytes.toString("utf8").split("/").pop() || "file";
  const binary = looksBinary(out.head);
  return new Response(out.body, {
    status: 200,
    headers: {
      ...safeHeaders,
      "content-length": String(object.size),
      "content-type": binary ? "application/octet-stream" : "text/plain; charset=utf-8",
      "content-disposition": contentDisposition(binary ? "attachment" : "inline", filename),
    },
  });
}

/** GET /orgs/<o>/repos/<r>/archive/<ref>.tar.gz — `git archive` of a tag (or branch), streamed. */
export async function handleArchive(req: Request, params: { slug: string; repo: string; ref: string[] }, session: SessionLookup): Promise<Response> {
  const joined = decodeUrlSegments(params.ref)?.join("/");
  if (!joined?.endsWith(".tar.gz")) return notFound();
  const opened = await open(req, session, params.slug, params.repo);
  if (!opened) return notFound();
  const { dir, repo } = opened;
  const refs = await listRefs(dir);
  const name = joined.slice(0, -".tar.gz".length);
  // Tags first: /archive/v1.0.0.tar.gz means the tag even if a branch shares its name.
  const tag = refs.tags.find((t) => t.name === name);
  const ref = tag ? { name: tag.name, commit: tag.commit } : await resolveRef(dir, name, refs);
  if (!ref) return notFound();
  const base = `${repo.name}-${ref.name.replace(/\//g, "-")}`;
  // The spawner, not simple-git: the archive is streamed to the response.
  const child = spawnGit(["archive", "--format=tar.gz", `--prefix=${base}/`, "--end-of-options", ref.commit], {
    cwd: dir,
    stdio: ["ignore", "pipe", "ignore"],
  });
  req.signal?.addEventListener("abort", () => child.kill("SIGTERM"));
  const out = await streamOutput(child);
  if (!out) return new Response("Could not create the archive\n", { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
  return new Response(out.body, {
    status: 200,
    headers: { ...safeHeaders, "content-type": "application/gzip", "content-disposition": contentDisposition("attachment", `${base}.tar.gz`) },
  });
}
