import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { PortalClient, PortalError } from "./client";
import type { ExecutorName } from "./executors";
import { runJob } from "./job";
import { executors } from "./protocol";

export const RUNNER_VERSION = (JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "../package.json"), "utf8")) as { version: string }).version;

export const runnerConfigSchema = z.object({
  url: z.string().url(),
  token: z.string().startsWith("rkr_"),
  name: z.string(),
  arch: z.string(),
  tags: z.array(z.string()),
  executor: z.enum(executors),
  concurrency: z.number().int().min(1),
  buildsDir: z.string(),
  rootfs: z.record(z.string(), z.string()).default({}),
  network: z.boolean().default(false),
  /** gentoo executor: a portage source tree to run instead of the host's portage */
  portage: z.string().optional(),
});
export type RunnerConfig = z.infer<typeof runnerConfigSchema>;

export function defaultConfigPath() {
  return process.env.ROOKERY_RUNNER_CONFIG ?? path.join(os.homedir(), ".config/rookery-runner/config.json");
}

export function loadRunnerConfig(file: string): RunnerConfig {
  if (!fs.existsSync(file)) throw new Error(`no runner configuration at ${file}: run \`npm run runner -- register …\` first`);
  const parsed = runnerConfigSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0].path.join(".")} ${parsed.error.issues[0].message}`);
  return parsed.data;
}

export function saveRunnerConfig(file: string, config: RunnerConfig) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
}

export async function register(input: {
  url: string;
  token: string;
  name: string;
  arch: string;
  tags: string[];
  executor: ExecutorName;
  concurrency: number;
  buildsDir: string;
  rootfs: Record<string, string>;
  network: boolean;
  portage?: string;
}): Promise<RunnerConfig> {
  const client = new PortalClient(input.url);
  const r = await client.register({
    token: input.token,
    name: input.name,
    arch: input.arch,
    tags: input.tags,
    executor: input.executor,
    concurrency: input.concurrency,
    version: RUNNER_VERSION,
  });
  const { token: _registration, ...rest } = input;
  return { ...rest, token: r.token };
}

export type RunningRunner = { stop: () => Promise<void> };

/**
 * `concurrency` slots each long-poll for a job and run it; portal/database trouble makes a
 * slot back off (1 s doubling to 30 s) and try again. `stop` waits for running jobs.
 */
export function startRunner(config: RunnerConfig, log: (l: string) => void = (l) => console.log(`[runner] ${l}`)): RunningRunner {
  const client = new PortalClient(config.url, config.token);
  const abort = new AbortController();
  let stopping = false;
  const opts = { buildsDir: config.buildsDir, rootfs: config.rootfs, arch: config.arch, network: config.network, portage: config.portage };

  const slot = async (n: number) => {
    let delay = 1000;
    while (!stopping) {
      try {
        const job = await client.requestJob(30, abort.signal);
        delay = 1000;
        if (!job) continue;
        log(`slot ${n}: job ${job.name} (${job.id}) attempt ${job.attempt}`);
        await runJob(client, job, config.executor, opts, log);
      } catch (e) {
        if (stopping) return;
        if (e instanceof PortalError && e.status === 401) log(`the portal refused this runner's token (removed?): ${e.message}`);
        else log(`${(e as Error).message}; retrying in ${delay / 1000} s`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  };
  const slots = Array.from({ length: config.concurrency }, (_, i) => slot(i + 1));
  log(`${config.name} (${config.arch}, ${config.executor}, ${config.concurrency} slot${config.concurrency > 1 ? "s" : ""}) polling ${config.url}`);
  return {
    async stop() {
      stopping = true;
      abort.abort();
      await Promise.allSettled(slots);
    },
  };
}
