import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { gunzipSync } from "node:zlib";
import { bufferSource, fileSource, listTar, TarError, type TarEntry } from "./tar";

/**
 * Reads a GLEP 78 binary package (`.gpkg.tar`): an uncompressed tar holding
 * `<base>/gpkg-1`, `<base>/metadata.tar.<comp>`, `<base>/image.tar.<comp>` (optional
 * `.sig` files) and `<base>/Manifest` with each member's size and hashes. The package
 * is checked against its Manifest while streaming; only the small metadata is loaded.
 */

export class GpkgError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export type Gpkg = {
  /** Metadata files (metadata/<KEY>), values with whitespace collapsed. */
  metadata: Record<string, string>;
  size: number;
  sha1: string;
  md5: string;
  mtime: number;
};

const MAX_METADATA = 64 * 1024 * 1024;

const decompressors: Record<string, [string, string[]] | "gzip" | "none"> = {
  "": "none",
  gz: "gzip",
  xz: ["xz", ["-dc"]],
  lzma: ["xz", ["-dc", "--format=lzma"]],
  bz2: ["bzip2", ["-dc"]],
  zst: ["zstd", ["-dcq"]],
  lz4: ["lz4", ["-dc"]],
  lzo: ["lzop", ["-dc"]],
};

function run(cmd: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let size = 0;
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_METADATA) child.kill();
      else out.push(c);
    });
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", (e) => reject(new Error(`${cmd} is not available (${e.message})`)));
    child.on("close", (code) => {
      if (size > MAX_METADATA) reject(new Error("metadata larger than 64 MB"));
      else if (code !== 0) reject(new Error(`${cmd} failed: ${err.trim().split("\n")[0] || `exit ${code}`}`));
      else resolve(Buffer.concat(out));
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

async function decompress(comp: string, data: Buffer) {
  const d = decompressors[comp];
  if (!d) throw new Error(`unsupported compression .${comp}`);
  if (d === "none") return data;
  if (d === "gzip") return gunzipSync(data, { maxOutputLength: MAX_METADATA });
  return run(d[0], d[1], data);
}

/**
 * One sequential read of the whole file: SHA1 and MD5 of the file (for the index) and the
 * requested hashes of each member's byte range (for the Manifest check) at the same time.
 */
async function hashFile(file: string, ranges: { start: number; size: number; algos: string[] }[]) {
  const whole = [createHash("sha1"), createHash("md5")];
  const parts = ranges.map((r) => ({ ...r, hashes: r.algos.map((a) => createHash(a)) }));
  let pos = 0;
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), async (src: AsyncIterable<Buffer>) => {
    for await (const chunk of src) {
      for (const h of whole) h.update(chunk);
      const end = pos + chunk.length;
      for (const p of parts) {
        const from = Math.max(p.start, pos);
        const to = Math.min(p.start + p.size, end);
        if (from < to) for (const h of p.hashes) h.update(chunk.subarray(from - pos, to - pos));
      }
      pos = end;
    }
  });
  return { sha1: whole[0].digest("hex"), md5: whole[1].digest("hex"), parts: parts.map((p) => p.hashes.map((h) => h.digest("hex"))) };
}

const manifestAlgos: Record<string, string> = { BLAKE2B: "blake2b512", SHA512: "sha512", SHA256: "sha256", SHA1: "sha1", MD5: "md5" };

function parseManifest(text: string) {
  const out = new Map<string, { size: number; hashes: Record<string, string> }>();
  for (const line of text.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] !== "DATA" || parts.length < 3) continue;
    const hashes: Record<string, string> = {};
    for (let i = 3; i + 1 < parts.length; i += 2) hashes[parts[i]] = parts[i + 1].toLowerCase();
    out.set(parts[1], { size: Number(parts[2]), hashes });
  }
  return out;
}

/** `label` names the package in errors (default: the file's base name). */
export async function readGpkg(file: string, label = path.basename(file)): Promise<Gpkg> {
  const fail = (m: string): never => {
    throw new GpkgError(label, m);
  };
  const fh = await open(file, "r").catch((e: Error) => fail(`cannot open: ${e.message}`));
  let entries: TarEntry[];
  let st: fs.Stats;
  let metaBytes: Buffer;
  let manifestText: string;
  try {
    st = await fh.stat();
    const src = await fileSource(fh);
    entries = await listTar(src).catch((e) => fail(e instanceof TarError ? e.message : String(e)));
    const files = entries.filter((e) => e.type === "0" || e.type === "\0");
    if (!files.length || !files[0].name.endsWith("/gpkg-1")) fail("not a gpkg (the first member must be <name>/gpkg-1)");
    const base = files[0].name.slice(0, -"/gpkg-1".length);
    if (!base || base.includes("/")) fail("not a gpkg (members must sit in one top-level directory)");
    for (const f of files) if (!f.name.startsWith(`${base}/`) || f.name.slice(base.length + 1).includes("/")) fail(`unexpected member ${f.name}`);
    const member = (re: RegExp) => files.find((f) => re.test(f.name.slice(base.length + 1)));
    const meta = member(/^metadata\.tar(\.[a-z0-9]+)?$/) ?? fail("no metadata.tar.* member");
    if (!member(/^image\.tar(\.[a-z0-9]+)?$/)) fail("no image.tar.* member");
    const manifest = member(/^Manifest$/) ?? fail("no Manifest member");
    manifestText = (await src.read(manifest.dataOffset, manifest.size)).toString("utf8");
    if (meta.size > MAX_METADATA) fail("metadata.tar is larger than 64 MB");
    metaBytes = await src.read(meta.dataOffset, meta.size);
    // Every member the Manifest names must be there with its size and hashes.
    const listed = parseManifest(manifestText);
    const checks = files
      .map((f) => ({ f, short: f.name.slice(base.length + 1) }))
      .filter(({ short }) => short !== "Manifest" && !short.endsWith(".sig"))
      .map(({ f, short }) => {
        const want = listed.get(short) ?? fail(`${short} is not listed in the Manifest`);
        if (want.size !== f.size) fail(`${short} is ${f.size} bytes, the Manifest says ${want.size}`);
        const algos = Object.keys(want.hashes).filter((a) => manifestAlgos[a]);
        if (!algos.length) fail(`the Manifest has no known hash for ${short}`);
        return { short, want, algos, start: f.dataOffset, size: f.size };
      });
    const hashed = await hashFile(
      file,
      checks.map((c) => ({ start: c.start, size: c.size, algos: c.algos.map((a) => manifestAlgos[a]) })),
    );
    for (const [n, c] of checks.entries())
      for (const [i, a] of c.algos.entries())
        if (hashed.parts[n][i] !== c.want.hashes[a]) fail(`${c.short} does not match its ${a} checksum in the Manifest (corrupt)`);
    const comp = path.extname(meta.name) === ".tar" ? "" : path.extname(meta.name).slice(1);
    const inner = await decompress(comp, metaBytes).catch((e: Error) => fail(`metadata: ${e.message}`));
    const metaEntries = await listTar(bufferSource(inner)).catch((e: Error) => fail(`metadata: ${e.message}`));
    const metadata: Record<string, string> = {};
    for (const e of metaEntries) {
      const m = /^(?:\.\/)?metadata\/([A-Za-z0-9_.+-]+)$/.exec(e.name);
      if (!m || !(e.type === "0" || e.type === "\0") || m[1].includes(".")) continue; // environment.bz2 etc.
      metadata[m[1]] = inner
        .toString("utf8", e.dataOffset, e.dataOffset + e.size)
        .split(/\s+/)
        .filter(Boolean)
        .join(" ");
    }
    if (!metadata.CATEGORY || !metadata.PF) fail("metadata has no CATEGORY or PF");
    return { metadata, size: st.size, sha1: hashed.sha1, md5: hashed.md5, mtime: Math.floor(st.mtimeMs / 1000) };
  } finally {
    await fh.close();
  }
}
