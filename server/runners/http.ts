import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { z } from "zod";
import { getDb } from "@/db/client";
import { getConfig } from "@/server/config";
import { ChecksumError, StorageFullError, TooLargeError } from "./artifact-store";
import { uploadArtifact } from "./artifacts";
import { appendLog, finishJob, heartbeat, LeaseError, LogOffsetError, requestJob } from "./queue";
import { RegistrationError, registerRunner, runnerFromToken, runnerInfoSchema, type Runner } from "./registration";

/** Version of the runner protocol under /api/runner/v1; bump the path on breaking changes. */
export const RUNNER_PROTOCOL = "v1";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const problem = (status: number, message: string, extra: object = {}, headers: Record<string, string> = {}) =>
  json(status, { error: message, ...extra }, headers);

const registerSchema = runnerInfoSchema.extend({ token: z.string().min(1).max(200) });
const requestSchema = z.object({ wait: z.number().min(0).max(30).default(30) });
const heartbeatSchema = z.object({ attempt: z.number().int().min(1) });
const finishSchema = z.object({
  attempt: z.number().int().min(1),
  result: z.enum(["success", "failed", "canceled"]),
  exitCode: z.number().int().nullable(),
  failureReason: z.string().max(2000).optional(),
});
const logQuery = z.object({ attempt: z.coerce.number().int().min(1), offset: z.coerce.number().int().min(0) });
const artifactQuery = z.object({
  attempt: z.coerce.number().int().min(1),
  name: z
    .string()
    .min(1)
    .max(500)
    .refine((n) => !n.startsWith("/") && !n.split("/").includes("..") && !n.includes("\0"), "artifact names are relative paths without .."),
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, "sha256 must be 64 hex digits"),
});
const uuid = z.string().uuid();

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function bodyJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    const text = await req.text();
    raw = text ? JSON.parse(text) : {};
  } catch {
    throw new HttpError(400, "the body must be JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new HttpError(400, `${i.path.join(".") || "body"}: ${i.message}`);
  }
  return parsed.data;
}

function query<T extends z.ZodType>(url: URL, schema: T): z.infer<T> {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new HttpError(400, `${i.path.join(".")}: ${i.message}`);
  }
  return parsed.data;
}

/** Reads at most `max` bytes; more → 413 without buffering the rest. */
async function bodyBytes(req: Request, max: number): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > max) throw new HttpError(413, `log chunks are limited to ${max} bytes`);
  const parts: Buffer[] = [];
  let size = 0;
  if (!req.body) return Buffer.alloc(0);
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) throw new HttpError(413, `log chunks are limited to ${max} bytes`);
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

async function authRunner(req: Request): Promise<Runner> {
  const header = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  const runner = m ? await runnerFromToken(getDb(), m[1]) : null;
  if (!runner) throw new HttpError(401, "unknown or revoked runner token: register this runner again");
  return runner;
}

function isDatabaseDown(e: unknown): boolean {
  const cause = (e as { cause?: unknown })?.cause;
  if (cause && isDatabaseDown(cause)) return true;
  const code = (e as { code?: string })?.code ?? "";
  return ["ECONNREFUSED", "ECONNRESET", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECT_TIMEOUT", "57P01", "57P03"].includes(code);
}

/** The runner protocol: `segments` is the path after /api/runner/v1/. */
export async function handleRunnerApi(req: Request, segments: string[]): Promise<Response> {
  try {
    return await route(req, segments);
  } catch (e) {
    if (e instanceof HttpError) return problem(e.status, e.message);
    if (e instanceof LeaseError) return problem(409, e.message);
    if (e instanceof LogOffsetError) return problem(416, e.message, { expected: e.expected });
    if (e instanceof RegistrationError) return problem(401, e.message);
    if (e instanceof ChecksumError) return problem(422, e.message);
    if (e instanceof TooLargeError) return problem(413, e.message);
    if (e instanceof StorageFullError) return problem(507, e.message);
    if (isDatabaseDown(e)) return problem(503, "the database is unavailable; retry shortly", {}, { "retry-after": "5" });
    console.error("runner api:", e);
    return problem(500, "internal error");
  }
}

async function route(req: Request, segments: string[]): Promise<Response> {
  const db = getDb();
  const url = new URL(req.url);
  const [a, b, c] = segments;
  const method = req.method;

  if (method === "POST" && a === "register" && !b) {
    const input = await bodyJson(req, registerSchema);
    const { token, ...info } = input;
    const runner = await registerRunner(db, token, info);
    return json(201, { id: runner.id, token: runner.token });
  }

  const runner = await authRunner(req);
  if (method === "POST" && a === "verify" && !b) return json(200, { id: runner.id, name: runner.name, paused: runner.paused });

  if (method === "POST" && a === "jobs" && b === "request" && !c) {
    const { wait } = await bodyJson(req, requestSchema);
    const job = await requestJob(db, runner, wait, req.signal);
    return job ? json(200, { job }) : new Response(null, { status: 204 });
  }

  if (a !== "jobs" || !b || !uuid.safeParse(b).success) throw new HttpError(404, "no such runner API endpoint");
  const jobId = b;
  if (method === "POST" && c === "heartbeat") {
    const { attempt } = await bodyJson(req, heartbeatSchema);
    return json(200, await heartbeat(db, runner, jobId, attempt));
  }
  if (method === "POST" && c === "finish") {
    const input = await bodyJson(req, finishSchema);
    return json(200, await finishJob(db, runner, jobId, input));
  }
  if (method === "PUT" && c === "log") {
    const q = query(url, logQuery);
    const data = await bodyBytes(req, getConfig().runners.logChunkMaxBytes);
    return json(200, await appendLog(db, runner, jobId, q.attempt, q.offset, data));
  }
  if (method === "PUT" && c === "artifacts") {
    const q = query(url, artifactQuery);
    if (!req.body) throw new HttpError(400, "the artifact body is missing");
    const body = Readable.fromWeb(req.body as unknown as NodeWebStream);
    const row = await uploadArtifact(db, runner, { jobId, attempt: q.attempt, name: q.name, sha256: q.sha256.toLowerCase() }, body);
    return json(201, { id: row.id, name: row.name, size: row.size, sha256: row.sha256 });
  }
  throw new HttpError(404, "no such runner API endpoint");
}
