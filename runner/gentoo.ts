import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * The `gentoo` executor: real portage in a bubblewrap sandbox over the build host's own
 * system, read-only, with a fresh portage state per job (/etc/portage, /var with the repos,
 * binpkgs, distfiles, logs and PORTAGE_TMPDIR) and everything installed into ROOT=/target.
 * The host provides the toolchain (gcc, make, python3, bash, coreutils, git); portage is the
 * host's own on a Gentoo build host, or a portage source tree (`--portage DIR`) anywhere else.
 *
 * Facts this rests on (found by running portage this way on Debian):
 * - With ROOT != / portage still reads /etc/portage, so the sandbox has its own.
 * - Without a `portage` user and libsandbox, FEATURES must drop the privilege and sandbox features.
 * - SYSROOT=/target too, so build dependencies of the target land there, not in the read-only /usr.
 * - The sandbox keeps the host's user namespace: portage chowns to the portage group (gid 250),
 *   which a user namespace that maps only root refuses. So the runner must run as root.
 */

export const TARGET = "/target";
export const SANDBOX_FEATURES = "-userpriv -usersandbox -sandbox -ipc-sandbox -network-sandbox -pid-sandbox -mount-sandbox";
const PORTAGE_IN_SANDBOX = "/opt/portage";
const SHIMS = "/opt/rookery-shims";
const HOST_DIRS = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];
const OWN_ETC = new Set(["portage", "passwd", "group", "make.conf", "make.profile"]);
const VAR_DIRS = ["db/repos", "db/pkg", "cache/binpkgs", "cache/distfiles", "tmp", "log/portage", "lib/portage", "lock"];

/** A portage source tree (unpacked release or git checkout) that can run in place. */
export function checkPortageSource(dir: string): string | null {
  for (const f of ["bin/emerge", "lib/portage/__init__.py", "cnf/make.globals", "cnf/sets/portage.conf"])
    if (!fs.existsSync(path.join(dir, f))) return `${dir} is not a portage source tree (${f} is missing)`;
  return null;
}

function onPath(command: string) {
  return (process.env.PATH ?? "/usr/bin:/bin").split(":").some((d) => d && fs.existsSync(path.join(d, command)));
}

/** The user and group databases of the sandbox: the host's, plus portage's own user if the host has none. */
function withPortageAccount(file: "passwd" | "group") {
  const host = fs.existsSync(`/etc/${file}`) ? fs.readFileSync(`/etc/${file}`, "utf8") : "";
  if (/^portage:/m.test(host)) return host;
  const line = file === "passwd" ? "portage:x:250:250:portage:/var/tmp/portage:/bin/false" : "portage:x:250:portage";
  return `${host.replace(/\n?$/, "\n")}${line}\n`;
}

export type GentooSandboxOptions = { jobRoot: string; workspace: string; portage?: string };

/** Why this host cannot run the gentoo executor (with this portage source, or its own portage), or null. */
export function gentooExecutorProblem(portage?: string): string | null {
  if (process.getuid?.() !== 0) return "the gentoo executor runs portage as root: start the runner as root";
  if (!onPath("bwrap")) return "bwrap (bubblewrap) is not installed";
  if (portage) return checkPortageSource(portage);
  return onPath("emerge") ? null : "this host has no emerge: install portage, or register the runner with --portage DIR (a portage source tree)";
}

/** Prepares the job's private state and returns the step spawner. */
export function gentooSandbox(opts: GentooSandboxOptions) {
  const problem = gentooExecutorProblem(opts.portage);
  if (problem) throw new Error(problem);
  const state = (p: string) => path.join(opts.jobRoot, p);
  for (const d of ["etc-portage", "target", ...VAR_DIRS.map((v) => `var/${v}`)]) fs.mkdirSync(state(d), { recursive: true });
  fs.writeFileSync(state("passwd"), withPortageAccount("passwd"));
  fs.writeFileSync(state("group"), withPortageAccount("group"));
  // portage run from source looks for its default sets in /usr/share/portage; /etc/portage/sets.conf works for both
  if (opts.portage) fs.copyFileSync(path.join(opts.portage, "cnf/sets/portage.conf"), state("etc-portage/sets.conf"));

  const args: string[] = [];
  for (const d of HOST_DIRS) {
    const host = `/${d}`;
    const st = fs.lstatSync(host, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) args.push("--symlink", fs.readlinkSync(host), host);
    else if (st?.isDirectory()) args.push("--ro-bind", host, host);
  }
  args.push("--ro-bind", "/usr", "/usr", "--tmpfs", "/etc");
  for (const entry of fs.readdirSync("/etc")) if (!OWN_ETC.has(entry)) args.push("--ro-bind", `/etc/${entry}`, `/etc/${entry}`);
  args.push(
    "--bind",
    state("etc-portage"),
    "/etc/portage",
    "--ro-bind",
    state("passwd"),
    "/etc/passwd",
    "--ro-bind",
    state("group"),
    "/etc/group",
    "--bind",
    state("var"),
    "/var",
    "--bind",
    state("target"),
    TARGET,
    "--bind",
    opts.workspace,
    "/workspace",
    "--tmpfs",
    "/opt",
    "--dir",
    SHIMS,
    // names portage's scripts expect that Debian spells differently
    "--symlink",
    "/usr/bin/python3",
    `${SHIMS}/python`,
    "--symlink",
    "/usr/bin/tar",
    `${SHIMS}/gtar`,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--tmpfs",
    "/run",
    "--chdir",
    "/workspace",
    // no user namespace: see above; the network stays (the tree, binhosts and distfiles come from the portal)
    "--unshare-ipc",
    "--unshare-pid",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
  );
  if (opts.portage) args.push("--ro-bind", opts.portage, PORTAGE_IN_SANDBOX);

  const path_ = [
    SHIMS,
    ...(opts.portage ? [`${PORTAGE_IN_SANDBOX}/bin`] : []),
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
  ].join(":");
  const baseEnv: Record<string, string> = {
    PATH: path_,
    LANG: "C.UTF-8",
    HOME: "/workspace",
    ROOT: TARGET,
    SYSROOT: TARGET,
    ...(opts.portage ? { PYTHONPATH: `${PORTAGE_IN_SANDBOX}/lib` } : {}),
  };
  return (script: string, env: Record<string, string>) => {
    // FEATURES is incremental: the sandbox's first, then the job's own
    const all = { ...baseEnv, ...env, FEATURES: [SANDBOX_FEATURES, env.FEATURES ?? ""].join(" ").trim() };
    // the environment is inherited, not given as --setenv: job tokens stay out of /proc/*/cmdline
    return spawn("bwrap", [...args, "/bin/sh", "-e", "-c", script], {
      env: all as unknown as NodeJS.ProcessEnv,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
  };
}
