import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

import { gentooSandbox } from "./gentoo";
import type { Executor } from "./protocol";

export type ExecutorName = Executor;

export type ExecutorOptions = {
  /** where per-job workspaces (and rootfs copies) are made */
  buildsDir: string;
  /** bwrap/nspawn: root filesystem directory per arch (a Gentoo stage3 on real hosts) */
  rootfs?: Record<string, string>;
  arch: string;
  /** bwrap/nspawn: give jobs the host's network (default: none) */
  network?: boolean;
  /** gentoo: a portage source tree to run instead of the host's own portage */
  portage?: string;
};

/** One job's sandbox: steps run in `workspace` (a host path, so artifacts are collected from it). */
export type JobSandbox = {
  workspace: string;
  spawnStep(script: string, env: Record<string, string>): ChildProcess;
  /** the whole sandbox is thrown away: every job starts clean */
  cleanup(): void;
};

const BASE_ENV: Record<string, string> = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };

export function createSandbox(name: ExecutorName, opts: ExecutorOptions, jobId: string): JobSandbox {
  fs.mkdirSync(opts.buildsDir, { recursive: true });
  const root = fs.mkdtempSync(path.join(opts.buildsDir, `job-${jobId.slice(0, 8)}-`));
  const workspace = path.join(root, "workspace");
  fs.mkdirSync(workspace);
  const cleanup = () => fs.rmSync(root, { recursive: true, force: true });
  if (name === "shell") {
    return {
      workspace,
      cleanup,
      // detached: the step leads its own process group, so cancel/timeout kill the whole tree
      spawnStep: (script, env) =>
        spawn("/bin/sh", ["-e", "-c", script], {
          cwd: workspace,
          env: { ...BASE_ENV, HOME: workspace, ...env } as unknown as NodeJS.ProcessEnv,
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
        }),
    };
  }

  if (name === "gentoo") {
    try {
      return { workspace, cleanup, spawnStep: gentooSandbox({ jobRoot: root, workspace, portage: opts.portage }) };
    } catch (e) {
      cleanup();
      throw e;
    }
  }

  const source = opts.rootfs?.[opts.arch];
  if (!source || !fs.existsSync(path.join(source, "bin/sh")))
    throw new Error(`the ${name} executor needs a root filesystem for ${opts.arch} (--rootfs ${opts.arch}=DIR with bin/sh inside)`);
  const jobRoot = path.join(root, "rootfs");
  const copy = spawnSync("cp", ["-a", "--reflink=auto", `${source}/.`, jobRoot], { encoding: "utf8" });
  if (copy.status !== 0) {
    cleanup();
    throw new Error(`copying the root filesystem failed: ${copy.stderr.trim()}`);
  }
  fs.mkdirSync(path.join(jobRoot, "workspace"), { recursive: true });

  if (name === "bwrap") {
    return {
      workspace,
      cleanup,
      spawnStep(script, env) {
        const args = [
          "--bind",
          jobRoot,
          "/",
          "--bind",
          workspace,
          "/workspace",
          "--proc",
          "/proc",
          "--dev",
          "/dev",
          "--tmpfs",
          "/tmp",
          "--chdir",
          "/workspace",
          "--unshare-all",
          ...(opts.network ? ["--share-net"] : []),
          "--die-with-parent",
          "/bin/sh",
          "-e",
          "-c",
          script,
        ];
        // inherited rather than --setenv: secrets such as the job token stay out of /proc/*/cmdline
        const all = { ...BASE_ENV, HOME: "/workspace", ...env } as unknown as NodeJS.ProcessEnv;
        return spawn("bwrap", args, { env: all, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      },
    };
  }

  return {
    workspace,
    cleanup,
    spawnStep(script, env) {
      const args = [
        "--quiet",
        "--directory",
        jobRoot,
        `--bind=${workspace}:/workspace`,
        "--chdir=/workspace",
        "--register=no",
        ...(opts.network ? [] : ["--private-network"]),
        ...Object.entries({ ...BASE_ENV, HOME: "/workspace", ...env }).map(([k, v]) => `--setenv=${k}=${v}`),
        "--as-pid2",
        "/bin/sh",
        "-e",
        "-c",
        script,
      ];
      return spawn("systemd-nspawn", args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    },
  };
}

/** Kills a step's whole process group (the sandbox tools take their containers down with them). */
export function killTree(child: ChildProcess) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}
