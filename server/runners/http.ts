import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { z } from "zod";
import {
  artifactQuery,
  artifactResponse,
  describeIssue,
  finishRequest,
  finishResponse,
  heartbeatRequest,
  heartbeatResponse,
  jobRequest,
  jobResponse,
  logQuery,
  logResponse,
  registerRequest,
  registerResponse,
  verifyResponse,
  type ErrorResponse,
} from "@/runner/protocol";
import { getDb } from "@/db/client";
import { getConfig } from "@/server/config";
import { CredentialsError, DomainError, InputError, NotFoundError } from "@/server/errors";
import { TooLargeError } from "./artifact-store";
import { uploadArtifact } from "./artifacts";
import { appendLog, finishJob, heartbeat, LogOffsetError, requestJob } from "./queue";
import { registerRunner, runnerFromToken, type Runner } from "./registration";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const problem = (status: number, message: string, extra: Omit<ErrorResponse, "error"> = {}, headers: Record<string, string> = {}) =>
  json(status, { error: message, ...extra } satisfies ErrorResponse, headers);
/** An answer the protocol describes: the type checker holds the portal to what runners parse. */
const answer = <S extends z.ZodType>(_schema: S, status: number, body: z.infer<S>) => json(status, body);

const uuid = z.string().uuid();

async function bodyJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    const text = await req.text();
    raw = text ? JSON.parse(text) : {};
  } catch {
    throw new InputError(null, "the body must be JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InputError(null, describeIssue(parsed.error));
  return parsed.data;
}

function query<T extends z.ZodType>(url: URL, schema: T): z.infer<T> {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw new InputError(null, describeIssue(parsed.error, "query"));
  return parsed.data;
}

/** Reads at most `max` bytes; more → 413 without buffering the rest. */
async function bodyBytes(req: Request, max: number): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > max) throw new TooLargeError(`log chunks are limited to ${max} bytes`);
  const parts: Buffer[] = [];
  let size = 0;
  if (!req.body) return Buffer.alloc(0);
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) throw new TooLargeError(`log chunks are limited to ${max} bytes`);
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

async function authRunner(req: Request): Promise<Runner> {
  const header = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  const runner = m ? await runnerFromToken(getDb(), m[1]) : null;
  if (!runner) throw new CredentialsError("unknown or revoked runner token: register this runner again");
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
    if (e instanceof DomainError) return problem(e.status, e.message, e instanceof LogOffsetError ? { expected: e.expected } : {});
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
    const { token, ...info } = await bodyJson(req, registerRequest);
    const runner = await registerRunner(db, token, info);
    return answer(registerResponse, 201, { id: runner.id, token: runner.token });
  }

  const runner = await authRunner(req);
  if (method === "POST" && a === "verify" && !b) return answer(verifyResponse, 200, { id: runner.id, name: runner.name, paused: runner.paused });

  if (method === "POST" && a === "jobs" && b === "request" && !c) {
    const { wait } = await bodyJson(req, jobRequest);
    const job = await requestJob(db, runner, wait, req.signal);
    return job ? answer(jobResponse, 200, { job }) : new Response(null, { status: 204 });
  }

  if (a !== "jobs" || !b || !uuid.safeParse(b).success) throw new NotFoundError("no such runner API endpoint");
  const jobId = b;
  if (method === "POST" && c === "heartbeat") {
    const { attempt } = await bodyJson(req, heartbeatRequest);
    return answer(heartbeatResponse, 200, await heartbeat(db, runner, jobId, attempt));
  }
  if (method === "POST" && c === "finish") {
    const input = await bodyJson(req, finishRequest);
    return answer(finishResponse, 200, await finishJob(db, runner, jobId, input));
  }
  if (method === "PUT" && c === "log") {
    const q = query(url, logQuery);
    const data = await bodyBytes(req, getConfig().runners.logChunkMaxBytes);
    return answer(logResponse, 200, await appendLog(db, runner, jobId, q.attempt, q.offset, data));
  }
  if (method === "PUT" && c === "artifacts") {
    const q = query(url, artifactQuery);
    if (!req.body) throw new InputError(null, "the artifact body is missing");
    const body = Readable.fromWeb(req.body as unknown as NodeWebStream);
    const row = await uploadArtifact(db, runner, { jobId, attempt: q.attempt, name: q.name, sha256: q.sha256.toLowerCase() }, body);
    return answer(artifactResponse, 201, { id: row.id, name: row.name, size: row.size, sha256: row.sha256 });
  }
  throw new NotFoundError("no such runner API endpoint");
}
