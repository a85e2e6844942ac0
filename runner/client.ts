import { createHash } from "node:crypto";
import fs from "node:fs";
import { Readable } from "node:stream";

/** A failed call to the portal; `status` 0 means the portal could not be reached. */
export class PortalError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export type LeasedJob = {
  id: string;
  pipelineId: string;
  name: string;
  attempt: number;
  steps: { name?: string; run: string; env?: Record<string, string> }[];
  env: Record<string, string>;
  timeoutSeconds: number;
  artifacts: string[];
  leaseSeconds: number;
  heartbeatSeconds: number;
};

/** The runner's only link to Rookery: JSON over HTTP at /api/runner/v1. */
export class PortalClient {
  constructor(
    readonly url: string,
    private token = "",
  ) {}

  private async call(method: string, path: string, init: { json?: unknown; body?: BodyInit; signal?: AbortSignal; headers?: Record<string, string> } = {}) {
    let res: Response;
    try {
      res = await fetch(`${this.url.replace(/\/$/, "")}/api/runner/v1/${path}`, {
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
    let body: Record<string, unknown> = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: text.slice(0, 200) };
    }
    if (!res.ok) throw new PortalError(res.status, `${method} ${path}: ${res.status} ${String(body.error ?? res.statusText)}`, body);
    return body;
  }

  async register(input: { token: string; name: string; arch: string; tags: string[]; executor: string; concurrency: number; version: string }) {
    return (await this.call("POST", "register", { json: input })) as { id: string; token: string };
  }

  async verify() {
    return (await this.call("POST", "verify", { json: {} })) as { id: string; name: string };
  }

  async requestJob(wait: number, signal?: AbortSignal): Promise<LeasedJob | null> {
    const r = await this.call("POST", "jobs/request", { json: { wait }, signal });
    return r ? (r.job as LeasedJob) : null;
  }

  async heartbeat(jobId: string, attempt: number) {
    return (await this.call("POST", `jobs/${jobId}/heartbeat`, { json: { attempt } })) as { cancel: boolean };
  }

  async appendLog(jobId: string, attempt: number, offset: number, data: Buffer) {
    return (await this.call("PUT", `jobs/${jobId}/log?attempt=${attempt}&offset=${offset}`, {
      body: new Uint8Array(data),
      headers: { "content-type": "application/octet-stream" },
    })) as { length: number };
  }

  async finish(jobId: string, input: { attempt: number; result: "success" | "failed" | "canceled"; exitCode: number | null; failureReason?: string }) {
    return this.call("POST", `jobs/${jobId}/finish`, { json: input });
  }

  /** Hashes the file first, then streams it; the portal verifies the sha256 and keeps nothing on mismatch. */
  async uploadArtifact(jobId: string, attempt: number, name: string, file: string, sha256?: string) {
    const digest = sha256 ?? (await sha256File(file));
    const q = new URLSearchParams({ attempt: String(attempt), name, sha256: digest });
    const body = Readable.toWeb(fs.createReadStream(file)) as unknown as ReadableStream;
    return this.call("PUT", `jobs/${jobId}/artifacts?${q}`, { body, headers: { "content-type": "application/octet-stream" } });
  }
}

export async function sha256File(file: string) {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
