import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { mkdir, open, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Db } from "@/db/client";
import { getConfig } from "@/server/config";
import { z } from "zod";
import { archPattern, envPattern, type PublishResult, type Target } from "./binhost";
import { getArchitecture } from "./catalog";
import { FarmInputError } from "./errors";
import { GpkgError, type Gpkg } from "./gpkg";
import { publishProfileBuild } from "./index";
import { profileNamePattern } from "./profiles";
import { fileSource, listTar } from "./tar";

/**
 * Publishing packages built outside the farm (the binhost API and `binhost:publish`): the
 * uploaded gpkgs become the binhost's new publication through the same publishBuild as a
 * farm build (verified against their Manifests, signed, indexed, swapped in atomically).
 */

const segment = "[A-Za-z0-9+_][A-Za-z0-9+_.-]*";
/** `cat/pf.gpkg.tar`, `cat/pf-N.gpkg.tar` or the multi-instance layout `cat/pn/pf-N.gpkg.tar`. */
const packageName = new RegExp(`^(${segment})/(?:${segment}/)?(${segment})\\.gpkg\\.tar$`);

export const targetSchema = z.object({
  environment: z.string().regex(envPattern, "Not an environment name"),
  arch: z.string().regex(archPattern, "Not an architecture keyword"),
  profile: z.string().regex(profileNamePattern, "Not a profile name"),
});

export type UploadedPackage = { file: string; name: string };

/** A fresh directory for one upload, under DATA_DIR (the packages may be large); remove it when done. */
export async function uploadDir() {
  const dir = path.join(getConfig().dataDir, "tmp", "binhost-uploads", randomUUID());
  await mkdir(dir, { recursive: true });
  return dir;
}

function checkName(name: string) {
  if (!packageName.test(name)) throw new FarmInputError("files", `${name}: not a package path (category/name-version[-build].gpkg.tar)`);
}

/**
 * An upload body (an uncompressed tar of `cat/pf[-N].gpkg.tar` files, `./` prefixes allowed)
 * streamed to disk in `dir`, then split into one file per package. Nothing is held in memory.
 */
export async function receivePackagesTar(body: Readable, dir: string): Promise<UploadedPackage[]> {
  const tarFile = path.join(dir, "upload.tar");
  await pipeline(body, fs.createWriteStream(tarFile, { flags: "wx" }));
  const fh = await open(tarFile, "r");
  try {
    const entries = await listTar(await fileSource(fh)).catch((e: Error) => {
      throw new FarmInputError("files", `The upload is not a tar archive of .gpkg.tar files: ${e.message}`);
    });
    const packages: UploadedPackage[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      if (e.type === "5") continue; // directories
      const name = e.name.replace(/^(\.\/)+/, "");
      if (e.type !== "0") throw new FarmInputError("files", `${name}: only regular files can be published`);
      checkName(name);
      if (seen.has(name)) throw new FarmInputError("files", `${name} is in the upload twice`);
      seen.add(name);
      const file = path.join(dir, "packages", String(packages.length), path.basename(name));
      await mkdir(path.dirname(file), { recursive: true });
      if (e.size === 0) await writeFile(file, "");
      else await pipeline(fs.createReadStream(tarFile, { start: e.dataOffset, end: e.dataOffset + e.size - 1 }), fs.createWriteStream(file));
      packages.push({ file, name });
    }
    return packages;
  } finally {
    await fh.close();
    await rm(tarFile, { force: true });
  }
}

/** Every `*.gpkg.tar` below a directory, named by its path relative to it (the CLI's input). */
export function packagesInDir(dir: string): UploadedPackage[] {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new FarmInputError("dir", `${dir} is not a directory`);
  return (fs.readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[])
    .filter((rel) => rel.endsWith(".gpkg.tar") && fs.statSync(path.join(dir, rel)).isFile())
    .sort()
    .map((rel) => ({ file: path.join(dir, rel), name: rel.split(path.sep).join("/") }));
}

/**
 * Publishes uploaded packages as the new publication of (environment, arch, profile): the whole
 * package set of the binhost, as a farm build's is. Besides the Manifest checks of
 * publishBuild, each package's metadata must match its name (category and PF) and the arch's
 * CHOST. Any refusal names the package and publishes nothing.
 */
export async function publishUploadedPackages(db: Db, input: Target, packages: UploadedPackage[]): Promise<PublishResult> {
  const parsed = targetSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FarmInputError(String(issue.path[0]), `${String(issue.path[0])}: ${issue.message}`);
  }
  const target = parsed.data;
  if (!packages.length) throw new FarmInputError("files", "There are no .gpkg.tar packages to publish");
  for (const p of packages) checkName(p.name);
  const arch = await getArchitecture(db, target.arch);
  const verify = (gpkg: Gpkg, label: string) => {
    const [, category, base] = packageName.exec(label)!;
    const { CATEGORY, PF, CHOST } = gpkg.metadata;
    const nameFits = category === CATEGORY && (base === PF || (base.startsWith(`${PF}-`) && /^\d+$/.test(base.slice(PF.length + 1))));
    if (!nameFits) throw new GpkgError(label, `its metadata says it is ${CATEGORY}/${PF}`);
    if (arch && CHOST && CHOST !== arch.chost) throw new GpkgError(label, `built for CHOST ${CHOST}, but ${arch.keyword} packages are ${arch.chost}`);
  };
  try {
    return await publishProfileBuild(db, {
      ...target,
      files: packages.map((p) => p.file),
      labels: packages.map((p) => p.name),
      verify,
    });
  } catch (e) {
    if (e instanceof GpkgError) throw new FarmInputError("files", e.message);
    throw e;
  }
}
