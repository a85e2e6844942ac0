import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Gentoo's portage source (GPL-2), vendored next to the project as
 * `../shared/vendor/portage-<commit>.tar.gz` (or ROOKERY_PORTAGE_TARBALL). Tests run it from
 * source with Debian's python3 in the gentoo executor's sandbox.
 */
export function portageTarball(): string | null {
  if (process.env.ROOKERY_PORTAGE_TARBALL) return process.env.ROOKERY_PORTAGE_TARBALL;
  const vendor = path.join(root, "../shared/vendor");
  const found = fs.existsSync(vendor) ? fs.readdirSync(vendor).filter((f) => /^portage-[0-9a-f]+\.tar\.gz$/.test(f)) : [];
  return found.length ? path.join(vendor, found.sort().at(-1)!) : null;
}

/** Why real-portage tests cannot run here, or null. On CI a missing portage fails the run instead of skipping it. */
export function portageMissing(): string | null {
  if (portageTarball()) return null;
  const why = "the vendored portage (../shared/vendor/portage-*.tar.gz or ROOKERY_PORTAGE_TARBALL) is missing";
  if (process.env.CI === "true") throw new Error(`${why}: CI must run the real Gentoo builds`);
  return why;
}

/** The unpacked source tree, extracted once per tarball into the temporary directory (shared by test files). */
export function portageSource(): string {
  const tarball = portageTarball();
  if (!tarball) throw new Error(portageMissing() ?? "no portage");
  const id = crypto.createHash("sha256").update(fs.readFileSync(tarball)).digest("hex").slice(0, 16);
  const dir = path.join(os.tmpdir(), `rookery-portage-${id}`);
  const src = path.join(dir, "portage");
  if (fs.existsSync(path.join(dir, ".complete"))) return src;
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-portage-unpack-"));
  execFileSync("tar", ["-xzf", tarball, "-C", staging]);
  if (!fs.existsSync(path.join(staging, "portage/bin/emerge"))) throw new Error(`${tarball} does not hold portage/bin/emerge`);
  fs.writeFileSync(path.join(staging, ".complete"), "");
  try {
    fs.renameSync(staging, dir);
  } catch {
    // another test file unpacked it first
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return src;
}
