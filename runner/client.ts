import { createHash } from "node:crypto";
import fs from "node:fs";
import { Readable } from "node:stream";
import type { z } from "zod";
import {
  artifactResponse,
  describeIssue,
  errorResponse,
  finishResponse,
  heartbeatResponse,
  jobResponse,
  logResponse,
  registerRequest,
  registerResponse,
  RUNNER_PROTOCOL,
  verifyResponse,
  type ErrorResponse,
  type FinishRequest,
  type LeasedJob,
} from "./protocol";

/** A failed call to the portal; `status` 0 means the portal could not be reached. */
export class PortalError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Partial<ErrorResponse> = {},
  ) {
    super(message);
  }
}

/** The runner's only link to Rookery: JSON over HTTP at /api/runner/v1. */
export class PortalClient {
  constructor(
    readonly url: string,
    private token = "",
  ) {}

  private async call(method: string, path: string, init: { json?: unknown; body?: BodyInit; signal?: AbortSignal; headers?: Record<string, string> } = {}) {
    let res: Response;
    try {
      res = await fetch(`${this.url.replace(/\/$/, "")}/api/runner/${RUNNER_PROTOCOL}/${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(init.json !== undefined ? { "content-type": "application/json" } : {}),
          ...init.headers,
        },
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
        signal: init.signal,
        // @ts-expect-error Node's fetch needs this for streamed request bodies
        duplex: "half",
      });
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      throw new PortalError(0, `cannot reach ${this.url}: ${(e as Error).cause ?? (e as Error).message}`);
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: text.slice(0, 200) };
    }
    if (!res.ok) {
      const refusal = errorResponse.safeParse(body);
      const error = refusal.success ? refusal.data : { error: res.statusText };
      throw new PortalError(res.status, `${method} ${path}: ${res.status} ${error.error}`, error);
    }
    return { status: res.status, body };
  }

  private async expect<S extends z.ZodType>(schema: S, method: string, path: string, init: Parameters<PortalClient["call"]>[2] = {}) {
    return parseAnswer(schema, await this.call(method, path, init), `${method} ${path}`);
  }

  async register(input: z.input<typeof registerRequest>) {
    return this.expect(registerResponse, "POST", "register", { json: input });
  }

  async verify() {
    return this.expect(verifyResponse, "POST", "verify", { json: {} });
  }

  /** The leased job, or null when none came within `wait` seconds. */
  async requestJob(wait: number, signal?: AbortSignal): Promise<LeasedJob | null> {
    const r = await this.call("POST", "jobs/request", { json: { wait }, signal });
    return r ? parseAnswer(jobResponse, r, "POST jobs/request").job : null;
  }

  async heartbeat(jobId: string, attempt: number) {
    return this.expect(heartbeatResponse, "POST", `jobs/${jobId}/heartbeat`, { json: { attempt } });
  }

  async appendLog(jobId: string, attempt: number, offset: number, data: Buffer) {
    return this.expect(logResponse, "PUT", `jobs/${jobId}/log?attempt=${attempt}&offset=${offset}`, {
      body: new Uint8Array(data),
      headers: { "content-type": "application/octet-stream" },
    });
  }

  async finish(jobId: string, input: FinishRequest) {
    return this.expect(finishResponse, "POST", `jobs/${jobId}/finish`, { json: input });
  }

  /** Hashes the file first, then streams it; the portal verifies the sha256 and keeps nothing on mismatch. */
  async uploadArtifact(jobId: string, attempt: number, name: string, file: string, sha256?: string) {
    const digest = sha256 ?? (await sha256File(file));
    const q = new URLSearchParams({ attempt: String(attempt), name, sha256: digest });
    const body = Readable.toWeb(fs.createReadStream(file)) as unknown as ReadableStream;
    return this.expect(artifactResponse, "PUT", `jobs/${jobId}/artifacts?${q}`, { body, headers: { "content-type": "application/octet-stream" } });
  }
}

/** A portal that answers something else than the protocol says is an error like an unreachable one. */
function parseAnswer<S extends z.ZodType>(schema: S, r: { status: number; body: unknown } | null, what: string): z.infer<S> {
  const parsed = schema.safeParse(r?.body);
  if (!parsed.success) throw new PortalError(r?.status ?? 0, `${what}: unexpected answer from the portal: ${describeIssue(parsed.error, "answer")}`);
  return parsed.data;
}

export async function sha256File(file: string) {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
