import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { getDb } from "@/db/client";
import { policyResponse } from "@/server/auth/policy";
import { authorizeGit } from "@/server/auth/policies/git";
import { actorFromAuthorizationHeader } from "@/server/auth/credentials";
import { getConfig } from "@/server/config";
import { roleOf } from "@/server/orgs";
import { spawnGit } from "./plumbing/cli";
import { hooksDir, issueTicket } from "./hooks";
import { sharedGitLimiter } from "./plumbing/limiter";
import { ensureRepoOnDisk } from "./materialize";
import { gitRoot, isValidRepoName } from "./paths";
import { getRepo } from "./repos";
import { clientAddress } from "@/server/security/front-door";

type Service = "git-upload-pack" | "git-receive-pack";

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body + "\n", { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });

const unauthorized = () => text(401, "Authentication required", { "www-authenticate": 'Basic realm="Rookery", charset="UTF-8"' });

/** Which service a smart-HTTP request is for; null for anything else (dumb HTTP is not served). */
function serviceOf(method: string, rest: string[], url: URL): Service | null {
  const tail = rest.join("/");
  if (method === "GET" && tail === "info/refs") {
    const s = url.searchParams.get("service");
    return s === "git-upload-pack" || s === "git-receive-pack" ? s : null;
  }
  if (method === "POST" && (tail === "git-upload-pack" || tail === "git-receive-pack")) return tail;
  return null;
}

/**
 * Smart HTTP for /git/<org>/<repo>.git/...: authenticate (password or token), ask the
 * policy, then stream the request into `git http-backend` and its output back out.
 * Nothing is buffered; gzip request bodies are inflated by http-backend itself.
 */
export async function handleGitHttp(req: Request, params: { org: string; repo: string; rest: string[] }): Promise<Response> {
  const url = new URL(req.url);
  const repoName = params.repo.endsWith(".git") ? params.repo.slice(0, -4) : params.repo;
  const service = serviceOf(req.method, params.rest, url);
  if (!/^[a-z0-9-]+$/.test(params.org) || !isValidRepoName(repoName) || !service) return text(404, "Not found");

  const cfg = getConfig();
  const release = await sharedGitLimiter(cfg.git.maxConcurrent, cfg.git.maxQueued).acquire();
  if (!release) return text(429, "Too many git requests at once; retry shortly", { "retry-after": "5" });
  try {
    return await serve(req, params, url, repoName, service, release);
  } catch (e) {
    release();
    throw e;
  }
}

/** Authenticates, authorizes and runs http-backend; `release` frees the limiter slot when git is done. */
async function serve(req: Request, params: { org: string; repo: string; rest: string[] }, url: URL, repoName: string, service: Service, release: () => void) {
  const db = getDb();
  const actor = await actorFromAuthorizationHeader(req.headers.get("authorization"), clientAddress(req.headers));
  if (!actor || actor.kind === "anonymous") {
    release();
    return unauthorized();
  }

  const repo = await getRepo(db, params.org, repoName);
  const role = repo && actor.kind === "user" ? await roleOf(db, repo.orgId, actor.id) : null;
  try {
    authorizeGit(actor, service === "git-receive-pack" ? "write" : "read", repo, repo ? { id: repo.orgId, archived: repo.orgArchived, role } : null);
  } catch (e) {
    release();
    return policyResponse(e);
  }
  await ensureRepoOnDisk(db, repo!);

  const cfg = getConfig();
  // The spawner, not simple-git: http-backend's stdin and stdout are streamed both ways.
  const child = spawnGit(["http-backend"], {
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      GIT_PROJECT_ROOT: gitRoot(),
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
      // receive-pack refuses packs over the limit with "pack exceeds maximum allowed size".
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "receive.maxInputSize",
      GIT_CONFIG_VALUE_0: String(cfg.git.maxPushBytes),
      PATH_INFO: `/${repo!.orgSlug}/${repo!.name}.git/${params.rest.join("/")}`,
      REQUEST_METHOD: req.method,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers.get("content-type") ?? "",
      HTTP_CONTENT_ENCODING: req.headers.get("content-encoding") ?? "",
      GIT_PROTOCOL: req.headers.get("git-protocol") ?? "",
      REMOTE_USER: actor.kind === "user" ? actor.username : `job-${actor.jobId}`,
      REMOTE_ADDR: req.headers.get("x-forwarded-for") ?? "127.0.0.1",
      ROOKERY_HOOKS_DIR: hooksDir(),
      ROOKERY_NODE: process.execPath,
      ROOKERY_INTERNAL_URL: cfg.internalUrl,
      // a job never pushes (the policy refuses receive-pack), so it gets no push ticket
      ROOKERY_PUSH_TICKET: actor.kind === "user" ? issueTicket(actor.id, repo!.id) : "",
    },
  });
  child.on("error", release);
  child.on("close", release);
  child.stdin!.on("error", () => {});
  if (req.body) Readable.fromWeb(req.body as unknown as NodeWebStream).pipe(child.stdin!);
  else child.stdin!.end();
  req.signal?.addEventListener("abort", () => child.kill("SIGTERM"));

  return cgiResponse(child.stdout!, child);
}

/** Reads CGI headers from http-backend's stdout, then streams the rest as the body. */
function cgiResponse(stdout: Readable, child: { kill: (s?: NodeJS.Signals) => boolean }): Promise<Response> {
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 64 * 1024) {
          stdout.off("data", onData);
          child.kill();
          resolve(text(502, "Bad gateway: git http-backend sent no headers"));
        }
        return;
      }
      stdout.off("data", onData);
      stdout.pause();
      const headers = new Headers();
      let status = 200;
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = parseInt(value, 10) || 200;
        else headers.append(name, value);
      }
      const rest = head.subarray(end + 4);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          if (rest.length) controller.enqueue(new Uint8Array(rest));
          stdout.on("data", (c: Buffer) => {
            controller.enqueue(new Uint8Array(c));
            if ((controller.desiredSize ?? 1) <= 0) stdout.pause();
          });
          stdout.on("end", () => controller.close());
          stdout.on("error", (e) => controller.error(e));
        },
        pull() {
          stdout.resume();
        },
        cancel() {
          child.kill("SIGTERM");
        },
      });
      resolve(new Response(body, { status, headers }));
    };
    stdout.on("data", onData);
    stdout.on("end", () => resolve(text(502, "Bad gateway: git http-backend ended early")));
  });
}
