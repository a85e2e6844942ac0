import { z } from "zod";

/**
 * The runner protocol: JSON over HTTP at /api/runner/v1, between runners (on other machines,
 * so this module imports nothing from the server) and the portal. The portal parses every
 * request with these schemas, the runner every answer.
 */

/** Version of the protocol under /api/runner/v1; bump the path on breaking changes. */
export const RUNNER_PROTOCOL = "v1";

export const executors = ["shell", "bwrap", "nspawn", "gentoo"] as const;
export type Executor = (typeof executors)[number];

/** What a runner says about itself when it registers. */
export const runnerInfoSchema = z.object({
  name: z.string().trim().min(1).max(100),
  arch: z.string().regex(/^[a-z0-9_-]{1,32}$/, "arch must be like amd64 or arm64"),
  tags: z
    .array(z.string().regex(/^[a-z0-9_.-]{1,64}$/i, "tags are letters, digits, . _ -"))
    .max(50)
    .default([]),
  executor: z.enum(executors),
  concurrency: z.number().int().min(1).max(64).default(1),
  version: z.string().max(64).default("unknown"),
});
export type RunnerInfo = z.infer<typeof runnerInfoSchema>;

const attempt = z.number().int().min(1);

/** POST register (with a registration token) → 201 */
export const registerRequest = runnerInfoSchema.extend({ token: z.string().min(1).max(200) });
export const registerResponse = z.object({ id: z.string().min(1), token: z.string().min(1) });

/** POST verify → 200 */
export const verifyResponse = z.object({ id: z.string().min(1), name: z.string(), paused: z.boolean() });

/** POST jobs/request (long poll) → 200 with a job, or 204 when none came within `wait` seconds */
export const jobRequest = z.object({ wait: z.number().min(0).max(30).default(30) });

export const buildStepSchema = z.object({ name: z.string().optional(), run: z.string(), env: z.record(z.string(), z.string()).optional() });

/** A job as the runner receives it with its lease. */
export const leasedJobSchema = z.object({
  id: z.string().min(1),
  pipelineId: z.string().min(1),
  name: z.string(),
  attempt,
  steps: z.array(buildStepSchema),
  env: z.record(z.string(), z.string()),
  timeoutSeconds: z.number().int().positive(),
  /** glob patterns, relative to the workspace */
  artifacts: z.array(z.string()),
  leaseSeconds: z.number().int().positive(),
  heartbeatSeconds: z.number().positive(),
});
export type LeasedJob = z.infer<typeof leasedJobSchema>;
export const jobResponse = z.object({ job: leasedJobSchema });

/** POST jobs/:id/heartbeat → 200; `cancel` asks the runner to stop the job */
export const heartbeatRequest = z.object({ attempt });
export const heartbeatResponse = z.object({ cancel: z.boolean() });
export type HeartbeatResponse = z.infer<typeof heartbeatResponse>;

/** PUT jobs/:id/log?attempt&offset with the raw bytes → 200, or 416 with `expected` when the offset leaves a gap */
export const logQuery = z.object({ attempt: z.coerce.number().int().min(1), offset: z.coerce.number().int().min(0) });
export const logResponse = z.object({ length: z.number().int().min(0) });
export type LogResponse = z.infer<typeof logResponse>;

/** PUT jobs/:id/artifacts?attempt&name&sha256 with the file's bytes → 201 */
export const artifactQuery = z.object({
  attempt: z.coerce.number().int().min(1),
  name: z
    .string()
    .min(1)
    .max(500)
    .refine((n) => !n.startsWith("/") && !n.split("/").includes("..") && !n.includes("\0"), "artifact names are relative paths without .."),
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, "sha256 must be 64 hex digits"),
});
export const artifactResponse = z.object({ id: z.string().min(1), name: z.string(), size: z.number().int().min(0), sha256: z.string() });

/** POST jobs/:id/finish → 200 with the status the job ended in (a canceled job stays canceled) */
export const finishRequest = z.object({
  attempt,
  result: z.enum(["success", "failed", "canceled"]),
  exitCode: z.number().int().nullable(),
  failureReason: z.string().max(2000).optional(),
});
export type FinishRequest = z.infer<typeof finishRequest>;
export const finishResponse = z.object({ status: z.enum(["success", "failed", "canceled"]) });
export type FinishResponse = z.infer<typeof finishResponse>;

/** Every refusal: `error` says why; a 416 on log appends adds the offset the portal expects. */
export const errorResponse = z.object({ error: z.string(), expected: z.number().int().min(0).optional() });
export type ErrorResponse = z.infer<typeof errorResponse>;

/** "path: message" of a failed parse's first issue, for 400 answers and runner errors. */
export function describeIssue(error: z.ZodError, whole = "body") {
  const i = error.issues[0];
  return `${i.path.join(".") || whole}: ${i.message}`;
}
