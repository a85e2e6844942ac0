import path from "node:path";
import { PortalError, type PortalClient } from "./client";
import { createSandbox, killTree, type ExecutorName, type ExecutorOptions } from "./executors";
import { expandArtifacts } from "./glob";
import type { FinishRequest, LeasedJob } from "./protocol";

type Result = Omit<FinishRequest, "attempt">;

/** Ships the log in order with byte offsets; a resent chunk after a lost answer is harmless. */
class LogShipper {
  private pending: Buffer[] = [];
  private offset = 0;
  private sending: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout;
  /** the portal's default limit (RUNNER_LOG_CHUNK_MAX_KB); halved when it answers 413 */
  private maxChunk = 1024 * 1024;
  lost = false;

  constructor(
    private client: PortalClient,
    private job: LeasedJob,
    private onLeaseLost: () => void,
  ) {
    this.timer = setInterval(() => void this.flush(), 200);
  }

  write(data: Buffer | string) {
    this.pending.push(Buffer.isBuffer(data) ? data : Buffer.from(data));
  }

  flush(): Promise<void> {
    this.sending = this.sending.then(async () => {
      while (this.pending.length && !this.lost) {
        const taken = this.pending.length;
        const all = Buffer.concat(this.pending.slice(0, taken));
        let chunk = all.subarray(0, this.maxChunk);
        for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
          try {
            const r = await this.client.appendLog(this.job.id, this.job.attempt, this.offset, chunk);
            this.offset = r.length;
            break;
          } catch (e) {
            if (e instanceof PortalError && e.status === 413 && this.maxChunk > 1024) {
              this.maxChunk /= 2;
              chunk = all.subarray(0, this.maxChunk);
              continue;
            }
            if (e instanceof PortalError && e.status === 416 && typeof e.body.expected === "number") {
              this.offset = e.body.expected;
              continue;
            }
            if (e instanceof PortalError && (e.status === 409 || e.status === 401)) {
              this.lost = true;
              this.onLeaseLost();
              return;
            }
            await new Promise((r) => setTimeout(r, delay));
          }
        }
        // output that arrived while sending stays queued behind the unsent rest
        const rest = all.subarray(chunk.length);
        this.pending = [...(rest.length ? [rest] : []), ...this.pending.slice(taken)];
      }
    });
    return this.sending;
  }

  async close() {
    clearInterval(this.timer);
    await this.flush();
  }
}

const now = () => Math.floor(Date.now() / 1000);

/** Runs one leased job to the end: steps, live log, heartbeats, cancel/timeout, artifacts, finish. */
export async function runJob(client: PortalClient, job: LeasedJob, executor: ExecutorName, opts: ExecutorOptions, log: (l: string) => void) {
  let current: import("node:child_process").ChildProcess | null = null;
  let stopReason: Result | null = null;
  let leaseLost = false;
  const stop = (r: Result) => {
    stopReason ??= r;
    if (current) killTree(current);
  };
  const logs = new LogShipper(client, job, () => {
    leaseLost = true;
    stop({ result: "failed", exitCode: null, failureReason: "lease lost" });
  });

  const beat = setInterval(async () => {
    try {
      const r = await client.heartbeat(job.id, job.attempt);
      if (r.cancel) stop({ result: "canceled", exitCode: null, failureReason: "canceled" });
    } catch (e) {
      if (e instanceof PortalError && (e.status === 409 || e.status === 401)) {
        leaseLost = true;
        stop({ result: "failed", exitCode: null, failureReason: "lease lost" });
      }
    }
  }, job.heartbeatSeconds * 1000);
  const timeout = setTimeout(
    () => stop({ result: "failed", exitCode: null, failureReason: `timed out after ${job.timeoutSeconds} s` }),
    job.timeoutSeconds * 1000,
  );

  let outcome: Result = { result: "success", exitCode: 0 };
  let sandbox: ReturnType<typeof createSandbox> | null = null;
  logs.write(`\x1b[1mRunning on ${opts.arch} with the ${executor} executor (attempt ${job.attempt})\x1b[0m\n`);
  try {
    sandbox = createSandbox(executor, opts, job.id);
    for (const [i, step] of job.steps.entries()) {
      if (stopReason) break;
      const title = step.name ?? step.run.split("\n")[0];
      logs.write(`\x1b[0Ksection_start:${now()}:step_${i + 1}\r\x1b[0K\x1b[36;1m$ ${title}\x1b[0m\n`);
      const env = { ...job.env, ...step.env, CI: "true", ROOKERY_JOB_ID: job.id, ROOKERY_JOB_NAME: job.name, ROOKERY_PIPELINE_ID: job.pipelineId };
      const child = sandbox.spawnStep(step.run, env);
      current = child;
      child.stdout!.on("data", (d: Buffer) => logs.write(d));
      child.stderr!.on("data", (d: Buffer) => logs.write(d));
      const code = await new Promise<number | null>((resolve) => {
        child.on("error", (e) => {
          logs.write(`\x1b[31m${e.message}\x1b[0m\n`);
          resolve(127);
        });
        child.on("close", (c) => resolve(c));
      });
      current = null;
      logs.write(`\x1b[0Ksection_end:${now()}:step_${i + 1}\r\x1b[0K`);
      if (stopReason) break;
      if (code !== 0) {
        outcome = { result: "failed", exitCode: code, failureReason: `step ${i + 1} (${title}) exited with status ${code}` };
        break;
      }
    }
    if (stopReason) outcome = stopReason;
    if (outcome.result === "success" && job.artifacts.length && !leaseLost) {
      const files = expandArtifacts(sandbox.workspace, job.artifacts);
      logs.write(`Uploading ${files.length} artifact${files.length === 1 ? "" : "s"}\n`);
      for (const f of files) {
        try {
          await client.uploadArtifact(job.id, job.attempt, f, path.join(sandbox.workspace, f));
        } catch (e) {
          outcome = { result: "failed", exitCode: 0, failureReason: `uploading artifact ${f} failed: ${(e as Error).message}` };
          break;
        }
      }
    }
  } catch (e) {
    outcome = { result: "failed", exitCode: null, failureReason: (e as Error).message };
  } finally {
    clearInterval(beat);
    clearTimeout(timeout);
    sandbox?.cleanup();
  }
  const colour = outcome.result === "success" ? 32 : 31;
  logs.write(`\x1b[${colour};1mJob ${outcome.result}${outcome.failureReason ? `: ${outcome.failureReason}` : ""}\x1b[0m\n`);
  await logs.close();
  if (leaseLost) {
    log(`job ${job.id}: lease lost, abandoned`);
    return;
  }
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      await client.finish(job.id, { attempt: job.attempt, ...outcome });
      log(`job ${job.name} (${job.id}) attempt ${job.attempt}: ${outcome.result}`);
      return;
    } catch (e) {
      if (e instanceof PortalError && e.status >= 400 && e.status < 500) {
        log(`job ${job.id}: finish refused: ${e.message}`);
        return;
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
