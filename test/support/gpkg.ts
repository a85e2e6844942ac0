import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Builds a real GLEP 78 binary package with `tar`: metadata files as portage writes them
 * (one file per key, trailing newline), an image tree, a Manifest with BLAKE2B and SHA512
 * of each member, in the member order portage uses.
 */
export type FixturePackage = {
  category: string;
  pf: string;
  buildId?: number;
  slot?: string;
  use?: string;
  iuse?: string;
  keywords?: string;
  license?: string;
  depend?: string;
  rdepend?: string;
  bdepend?: string;
  eapi?: string;
  repository?: string;
  definedPhases?: string;
  buildTime?: number;
  chost?: string;
  compression?: "xz" | "gz" | "zst" | "bz2" | "none";
  /** Changes the image, so two builds of the same package differ. */
  payload?: string;
  /** Adds an incompressible file of this many bytes to the image (benchmarks). */
  imageBytes?: number;
  /**
   * Makes the package installable by real portage: a real bzip2 `environment.bz2` and the
   * package's ebuild in its metadata, as `emerge --buildpkg` writes them (no phases to run).
   */
  installable?: boolean;
};

const tarFlags = { xz: ["-J"], gz: ["-z"], bz2: ["-j"], zst: ["--zstd"], none: [] } as const;

export function makeGpkg(outDir: string, p: FixturePackage): string {
  const comp = p.compression ?? "xz";
  const base = p.buildId ? `${p.pf}-${p.buildId}` : p.pf;
  const work = fs.mkdtempSync(path.join(outDir, ".work-"));
  try {
    const meta: Record<string, string | undefined> = {
      CATEGORY: p.category,
      PF: p.pf,
      SLOT: p.slot ?? "0",
      USE: p.use ?? "",
      IUSE: p.iuse ?? "",
      KEYWORDS: p.keywords ?? "amd64",
      LICENSE: p.license ?? "GPL-2",
      DEPEND: p.depend,
      RDEPEND: p.rdepend,
      BDEPEND: p.bdepend,
      EAPI: p.eapi ?? "8",
      repository: p.repository ?? "gentoo",
      DEFINED_PHASES: p.definedPhases ?? "compile install",
      BUILD_TIME: String(p.buildTime ?? 1764000000),
      BUILD_ID: p.buildId ? String(p.buildId) : undefined,
      CHOST: p.chost ?? "x86_64-pc-linux-gnu",
      CFLAGS: "-O2 -pipe",
    };
    fs.mkdirSync(path.join(work, "m/metadata"), { recursive: true });
    for (const [k, v] of Object.entries(meta)) if (v !== undefined) fs.writeFileSync(path.join(work, "m/metadata", k), `${v}\n`);
    if (p.installable) {
      const env = [
        `declare -x EAPI="${meta.EAPI}"`,
        `declare -x SLOT="${meta.SLOT}"`,
        `declare -x KEYWORDS="${meta.KEYWORDS}"`,
        `declare -x LICENSE="${meta.LICENSE}"`,
        "",
      ].join("\n");
      fs.writeFileSync(path.join(work, "m/metadata/environment.bz2"), execFileSync("bzip2", ["-c"], { input: env }));
      const ebuild = [
        `EAPI=${meta.EAPI}`,
        `DESCRIPTION="${p.pf} (test fixture)"`,
        'HOMEPAGE="https://rookery.test"',
        `SLOT="${meta.SLOT}"`,
        `KEYWORDS="${meta.KEYWORDS}"`,
        `LICENSE="${meta.LICENSE}"`,
        "",
      ];
      fs.writeFileSync(path.join(work, "m/metadata", `${p.pf}.ebuild`), ebuild.join("\n"));
      meta.DEFINED_PHASES = undefined;
      fs.rmSync(path.join(work, "m/metadata/DEFINED_PHASES"), { force: true });
    } else fs.writeFileSync(path.join(work, "m/metadata/environment.bz2"), "not really bzip2");
    fs.mkdirSync(path.join(work, "i/image/usr/bin"), { recursive: true });
    fs.writeFileSync(path.join(work, "i/image/usr/bin", p.pf), `#!/bin/sh\necho ${p.pf} ${p.payload ?? ""}\n`);
    if (p.imageBytes) fs.writeFileSync(path.join(work, "i/image/usr/bin", `${p.pf}.data`), randomBytes(p.imageBytes));
    const pkg = path.join(work, "o", base);
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "gpkg-1"), "");
    const suffix = comp === "none" ? "" : `.${comp}`;
    execFileSync("tar", ["--format=ustar", ...tarFlags[comp], "-C", path.join(work, "m"), "-cf", path.join(pkg, `metadata.tar${suffix}`), "metadata"]);
    execFileSync("tar", ["--format=ustar", ...tarFlags[comp], "-C", path.join(work, "i"), "-cf", path.join(pkg, `image.tar${suffix}`), "image"]);
    const members = ["gpkg-1", `metadata.tar${suffix}`, `image.tar${suffix}`];
    const manifest = members
      .map((m) => {
        const data = fs.readFileSync(path.join(pkg, m));
        const h = (a: string) => createHash(a).update(data).digest("hex");
        return `DATA ${m} ${data.length} BLAKE2B ${h("blake2b512")} SHA512 ${h("sha512")}\n`;
      })
      .join("");
    fs.writeFileSync(path.join(pkg, "Manifest"), manifest);
    const out = path.join(outDir, `${base}.gpkg.tar`);
    execFileSync("tar", ["--format=ustar", "-C", path.join(work, "o"), "-cf", out, ...[...members, "Manifest"].map((m) => `${base}/${m}`)]);
    return out;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
