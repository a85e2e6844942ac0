import { createHash } from "node:crypto";
import fs from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Signer } from "@/server/pki/gpg";
import { fileSource, listTar } from "./tar";

/**
 * Signs a GLEP 78 package the way portage's FEATURES=binpkg-signing does, so that
 * FEATURES=binpkg-request-signature (verify-signature in binrepos.conf) accepts it:
 *   <base>/gpkg-1                       (not signed)
 *   <base>/metadata.tar.<c>, metadata.tar.<c>.sig   armored detached signature
 *   <base>/image.tar.<c>,    image.tar.<c>.sig
 *   <base>/Manifest                     cleartext-signed; DATA lines for every member but
 *                                       itself, the .sig files included (BLAKE2B, SHA512)
 * Existing .sig members and the old Manifest are replaced. Member data is streamed
 * (an image can be gigabytes), never loaded.
 */

const BLOCK = 512;

function octalField(value: number, len: number) {
  const s = value.toString(8);
  if (s.length > len - 1) {
    // GNU base-256 for sizes of 8 GiB and more.
    const b = Buffer.alloc(len);
    let v = BigInt(value);
    for (let i = len - 1; i > 0; i--, v >>= 8n) b[i] = Number(v & 0xffn);
    b[0] = 0x80;
    return b;
  }
  return Buffer.from(s.padStart(len - 1, "0") + "\0", "latin1");
}

/** A ustar header for a regular file; long names go into the prefix field. */
export function tarHeader(name: string, size: number, mtime: number) {
  let prefix = "";
  let short = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/");
    prefix = name.slice(0, cut);
    short = name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(short) > 100) throw new Error(`member name too long for a tar header: ${name}`);
  }
  const h = Buffer.alloc(BLOCK);
  h.write(short, 0, 100, "utf8");
  octalField(0o644, 8).copy(h, 100);
  octalField(0, 8).copy(h, 108);
  octalField(0, 8).copy(h, 116);
  octalField(size, 12).copy(h, 124);
  octalField(Math.floor(mtime), 12).copy(h, 136);
  h.write("        ", 148, 8, "latin1");
  h.write("0", 156, 1, "latin1");
  h.write("ustar\0" + "00", 257, 8, "latin1");
  h.write("root", 265, 32, "latin1");
  h.write("root", 297, 32, "latin1");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "latin1");
  return h;
}

const manifestHashes = [
  ["BLAKE2B", "blake2b512"],
  ["SHA512", "sha512"],
] as const;

function manifestLine(name: string, size: number, digests: string[]) {
  return `DATA ${name} ${size} ${manifestHashes.map(([label], i) => `${label} ${digests[i]}`).join(" ")}\n`;
}

/** Writes the signed copy of `input` to `output`. The input must have passed readGpkg. */
export async function signGpkg(input: string, output: string, signer: Signer) {
  const fh = await open(input, "r");
  let entries;
  try {
    entries = await listTar(await fileSource(fh));
  } finally {
    await fh.close();
  }
  const files = entries.filter((e) => e.type === "0" || e.type === "\0");
  const base = files[0].name.slice(0, -"/gpkg-1".length);
  const members = files.filter((f) => {
    const short = f.name.slice(base.length + 1);
    return short !== "Manifest" && !short.endsWith(".sig");
  });
  const now = Date.now() / 1000;
  const out = fs.createWriteStream(output, { flags: "wx" });
  const write = (b: Buffer) => new Promise<void>((resolve, reject) => out.write(b, (e) => (e ? reject(e) : resolve())));
  const pad = (size: number) => (size % BLOCK ? write(Buffer.alloc(BLOCK - (size % BLOCK))) : Promise.resolve());
  const manifest: string[] = [];
  const addBuffer = async (short: string, data: Buffer) => {
    await write(tarHeader(`${base}/${short}`, data.length, now));
    await write(data);
    await pad(data.length);
    manifest.push(
      manifestLine(
        short,
        data.length,
        manifestHashes.map(([, a]) => createHash(a).update(data).digest("hex")),
      ),
    );
  };
  try {
    for (const m of members) {
      const short = m.name.slice(base.length + 1);
      const range = () => fs.createReadStream(input, { start: m.dataOffset, end: m.dataOffset + m.size - 1, highWaterMark: 1 << 20 });
      await write(tarHeader(m.name, m.size, m.mtime));
      const hashes = manifestHashes.map(([, a]) => createHash(a));
      if (m.size > 0)
        await pipeline(range(), async (src: AsyncIterable<Buffer>) => {
          for await (const chunk of src) {
            for (const h of hashes) h.update(chunk);
            await write(chunk);
          }
        });
      await pad(m.size);
      manifest.push(
        manifestLine(
          short,
          m.size,
          hashes.map((h) => h.digest("hex")),
        ),
      );
      // gpkg-1 is the one member portage does not sign.
      if (short !== "gpkg-1") await addBuffer(`${short}.sig`, await signer.detachSign(range()));
    }
    const signed = await signer.clearSign(manifest.join(""));
    await write(tarHeader(`${base}/Manifest`, signed.length, now));
    await write(signed);
    await pad(signed.length);
    await write(Buffer.alloc(BLOCK * 2));
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  } catch (e) {
    out.destroy();
    await fs.promises.rm(output, { force: true });
    throw e;
  }
  return path.resolve(output);
}
