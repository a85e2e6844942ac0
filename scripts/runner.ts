/**
 * The build runner: `npm run runner -- register …` once on a build host, then
 * `npm run runner -- run` (e.g. as a systemd unit). It only talks HTTP to the portal.
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { defaultConfigPath, loadRunnerConfig, register, saveRunnerConfig, startRunner } from "@/runner";
import { PortalError } from "@/runner/client";
import { gentooExecutorProblem } from "@/runner/gentoo";
import { executors } from "@/runner/protocol";

const usage = `usage:
  npm run runner -- register --url URL --token REGISTRATION_TOKEN --name NAME --arch amd64
                             [--tags a,b] [--executor shell|bwrap|nspawn|gentoo] [--concurrency N]
                             [--rootfs ARCH=DIR ...] [--network] [--portage DIR] [--builds-dir DIR] [--config FILE]
  npm run runner -- run [--config FILE]`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      name: { type: "string" },
      arch: { type: "string" },
      tags: { type: "string" },
      executor: { type: "string", default: "shell" },
      concurrency: { type: "string", default: "1" },
      rootfs: { type: "string", multiple: true },
      network: { type: "boolean", default: false },
      portage: { type: "string" },
      "builds-dir": { type: "string" },
      config: { type: "string" },
    },
    strict: true,
  });
  const configFile = values.config ?? defaultConfigPath();

  if (command === "register") {
    for (const k of ["url", "token", "name", "arch"] as const) if (!values[k]) fail(`--${k} is required\n${usage}`);
    const executor = values.executor as string;
    if (!(executors as readonly string[]).includes(executor)) fail(`--executor must be one of ${executors.join(", ")}`);
    const portage = values.portage ? path.resolve(values.portage) : undefined;
    if (portage && executor !== "gentoo") fail("--portage is for the gentoo executor");
    const executorProblem = executor === "gentoo" && gentooExecutorProblem(portage);
    if (executorProblem) fail(executorProblem);
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) fail("--concurrency must be a positive integer");
    const rootfs: Record<string, string> = {};
    for (const r of values.rootfs ?? []) {
      const [arch, dir] = r.split("=", 2);
      if (!arch || !dir) fail(`--rootfs must be ARCH=DIR, got ${r}`);
      rootfs[arch] = path.resolve(dir);
    }
    try {
      const config = await register({
        url: values.url!,
        token: values.token!,
        name: values.name!,
        arch: values.arch!,
        tags: (values.tags ?? "")
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
        executor: executor as "shell",
        concurrency,
        buildsDir: path.resolve(values["builds-dir"] ?? path.join(os.tmpdir(), "rookery-builds")),
        rootfs,
        network: values.network ?? false,
        portage,
      });
      saveRunnerConfig(configFile, config);
      console.log(`Registered runner ${config.name}; configuration written to ${configFile}`);
    } catch (e) {
      fail(e instanceof PortalError ? e.message : String(e), 1);
    }
    return;
  }
  if (command === "run") {
    let config;
    try {
      config = loadRunnerConfig(configFile);
    } catch (e) {
      fail((e as Error).message, 1);
    }
    const runner = startRunner(config);
    const stop = () => void runner.stop().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    return;
  }
  fail(usage);
}

void main();
