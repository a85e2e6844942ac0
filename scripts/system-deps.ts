import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";

/** Debian packages the test suite needs, keyed by a file each one installs. */
export const testPackages: Record<string, string> = {
  slapd: "/usr/sbin/slapd",
  "ldap-utils": "/usr/bin/ldapmodify",
  chromium: "/usr/bin/chromium",
  // the bwrap executor's tests: a sandbox and a one-binary root filesystem
  bubblewrap: "/usr/bin/bwrap",
  "busybox-static": "/bin/busybox",
  // real portage (the vendored source) builds and installs the test tree: its toolchain and fetcher
  gcc: "/usr/bin/gcc",
  make: "/usr/bin/make",
  python3: "/usr/bin/python3",
  wget: "/usr/bin/wget",
  "xz-utils": "/usr/bin/xz",
  zstd: "/usr/bin/zstd",
  // the Puppet CA test bootstraps a stock agent against Rookery
  "puppet-agent": "/usr/bin/puppet",
};

/**
 * Installs missing Debian packages non-interactively. A temporary policy-rc.d stops
 * the packages' own daemons (the stock slapd on :389) from starting: tests run their own.
 */
export function ensureDebianPackages(wanted: Record<string, string>, log: (l: string) => void) {
  const missing = Object.entries(wanted)
    .filter(([, file]) => !fs.existsSync(file))
    .map(([pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages (${missing.join(", ")}): install them as root`);
  log(`Installing Debian packages: ${missing.join(", ")}`);
  const policy = "/usr/sbin/policy-rc.d";
  const hadPolicy = fs.existsSync(policy);
  if (!hadPolicy) fs.writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    if (update.status !== 0) log("apt-get update failed; trying the install anyway");
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: "inherit", env });
  } finally {
    if (!hadPolicy) fs.rmSync(policy, { force: true });
  }
}
