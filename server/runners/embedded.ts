import os from "node:os";
import path from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { runners } from "@/db/schema";
import type { Config } from "@/server/config";
import { RUNNER_VERSION, startRunner, type RunningRunner } from "@/runner";
import { gentooExecutorProblem } from "@/runner/gentoo";
import { insertRunner } from "./registration";

/** Debian/Gentoo names for Node's process.arch. */
export function hostArch() {
  return (
    ({ x64: "amd64", arm64: "arm64", arm: "arm", ia32: "x86", ppc64: "ppc64", riscv64: "riscv", s390x: "s390" } as Record<string, string>)[process.arch] ??
    process.arch
  );
}

/**
 * The shell executor, or with ROOKERY_RUNNER_PORTAGE (a portage source tree) the gentoo
 * executor, which also takes the farm's jobs: a real build on the same machine.
 */
function embeddedExecutor(config: Config, log: (l: string) => void) {
  const portage = config.runners.embeddedPortage;
  if (!portage) return { executor: "shell" as const, tags: ["local"] };
  const problem = gentooExecutorProblem(portage);
  if (!problem) return { executor: "gentoo" as const, tags: ["local", "gentoo"], portage };
  log(`ROOKERY_RUNNER_PORTAGE is set but the local runner cannot build with it (${problem}); it runs shell jobs only`);
  return { executor: "shell" as const, tags: ["local"] };
}

/**
 * The embedded default's local runner: registered afresh at every start (the previous
 * one is removed, its token only ever lived in memory) and polling the portal over HTTP.
 */
export async function startEmbeddedRunner(db: Db, config: Config, log: (l: string) => void): Promise<RunningRunner> {
  const { portage, ...executor } = embeddedExecutor(config, (l) => log(`runner: ${l}`));
  const info = { name: `local (${os.hostname()})`, arch: hostArch(), ...executor, concurrency: 1, version: RUNNER_VERSION };
  const { token } = await db.transaction(async (tx) => {
    await tx
      .update(runners)
      .set({ revokedAt: new Date() })
      .where(and(eq(runners.embedded, true), isNull(runners.revokedAt)));
    return insertRunner(tx, info, null, true);
  });
  return startRunner({ url: config.internalUrl, token, ...info, buildsDir: path.join(config.dataDir, "builds"), rootfs: {}, network: true, portage }, (l) =>
    log(`runner: ${l}`),
  );
}
