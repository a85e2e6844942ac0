import { Readable } from "node:stream";
import { z } from "zod";
import { getDb } from "@/db/client";
import { actorFromUser } from "@/server/auth/credentials";
import { policyResponse } from "@/server/auth/policy";
import type { User } from "@/server/users";
import { authorizePipeline } from "@/server/auth/policies/pipeline";
import { artifactStore, getArtifact } from "./artifacts";
import { getJob, getPipeline } from "./pipelines";
import { readLog } from "./queue";
import { onLog } from "./signals";

const uuid = z.string().uuid();
const text = (status: number, body: string) => new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

/** The job if the signed-in user may read its pipeline, else an HTTP answer. */
async function readableJob(jobId: string, sessionUser: () => Promise<User | null>) {
  if (!uuid.safeParse(jobId).success) return text(404, "Not found");
  const user = await sessionUser();
  if (!user) return text(401, "Sign in to continue");
  const db = getDb();
  const job = await getJob(db, jobId);
  if (!job) return text(404, "Not found");
  try {
    await authorizePipeline(db, actorFromUser(user), (await getPipeline(db, job.pipelineId))!, "read");
  } catch (e) {
    return policyResponse(e);
  }
  return job;
}

const attemptHeader = (attempt: number) => `\x1b[35;1m━━ attempt ${attempt} ━━\x1b[0m\n`;

/**
 * Server-sent events: `chunk` events with {attempt, offset, data (base64)} from the given
 * position, then new ones as runners append (NOTIFY); `end` when the job has finished.
 */
export async function streamJobLog(req: Request, jobId: string, sessionUser: () => Promise<User | null>) {
  const job = await readableJob(jobId, sessionUser);
  if (job instanceof Response) return job;
  const db = getDb();
  const encoder = new TextEncoder();
  let pos = { attempt: 0, offset: 0 };
  let closed = false;
  let wake: () => void = () => {};
  // set by every NOTIFY, so one arriving while we read is not lost
  let dirty = false;
  const unsubscribe = await onLog(db, jobId, () => {
    dirty = true;
    wake();
  });
  req.signal.addEventListener("abort", () => {
    closed = true;
    wake();
  });
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      try {
        while (!closed) {
          dirty = false;
          const chunks = await readLog(db, jobId, pos, 200);
          for (const c of chunks) {
            send("chunk", { attempt: c.attempt, offset: c.offset, data: c.data.toString("base64") });
            pos = { attempt: c.attempt, offset: c.offset + c.data.length };
          }
          if (chunks.length === 200) continue;
          const now = await getJob(db, jobId);
          if (!now || ["success", "failed", "canceled", "skipped"].includes(now.status)) {
            const rest = await readLog(db, jobId, pos, 10_000);
            for (const c of rest) send("chunk", { attempt: c.attempt, offset: c.offset, data: c.data.toString("base64") });
            send("end", { status: now?.status });
            break;
          }
          // wait for a NOTIFY, with a slow poll as a safety net and keep-alive
          if (dirty) continue;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 15_000);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = () => {};
          if (!closed) controller.enqueue(encoder.encode(": keep-alive\n\n"));
        }
      } catch (e) {
        if (!closed) send("error", { message: (e as Error).message });
      } finally {
        unsubscribe();
        try {
          controller.close();
        } catch {
          // the client went away first
        }
      }
    },
    cancel() {
      closed = true;
      wake();
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" } });
}

/** The whole log (every attempt) as plain text with ANSI codes, streamed. */
export async function rawJobLog(jobId: string, sessionUser: () => Promise<User | null>) {
  const job = await readableJob(jobId, sessionUser);
  if (job instanceof Response) return job;
  const db = getDb();
  let pos = { attempt: 0, offset: 0 };
  let lastAttempt = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunks = await readLog(db, jobId, pos, 200);
      if (chunks.length === 0) return controller.close();
      for (const c of chunks) {
        if (c.attempt !== lastAttempt && job.attempt > 1) controller.enqueue(new TextEncoder().encode(attemptHeader(c.attempt)));
        lastAttempt = c.attempt;
        controller.enqueue(new Uint8Array(c.data));
        pos = { attempt: c.attempt, offset: c.offset + c.data.length };
      }
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/plain; charset=utf-8", "content-disposition": `inline; filename="job-${job.name}-${job.id.slice(0, 8)}.log"` },
  });
}

export async function downloadArtifact(artifactId: string, sessionUser: () => Promise<User | null>) {
  if (!uuid.safeParse(artifactId).success) return text(404, "Not found");
  const artifact = await getArtifact(getDb(), artifactId);
  if (!artifact) return text(404, "Not found");
  const job = await readableJob(artifact.jobId, sessionUser);
  if (job instanceof Response) return job;
  const body = Readable.toWeb(artifactStore().get(artifact.storageKey)) as unknown as ReadableStream;
  const filename = artifact.name
    .split("/")
    .pop()!
    .replace(/["\\\r\n]/g, "_");
  return new Response(body, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(artifact.size),
      "content-disposition": `attachment; filename="${filename}"`,
      "x-checksum-sha256": artifact.sha256,
    },
  });
}
