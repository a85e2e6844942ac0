import type { FileHandle } from "node:fs/promises";

/**
 * A minimal reader of tar headers (ustar, GNU long names, pax path/size) — enough for
 * GLEP 78 binary packages. Headers are read by position from a file handle, so member
 * data (a package's image can be gigabytes) is never loaded: callers stream ranges.
 */

export class TarError extends Error {}

export type TarEntry = { name: string; type: string; size: number; mtime: number; dataOffset: number };

const BLOCK = 512;

function str(buf: Buffer, start: number, len: number) {
  const end = buf.indexOf(0, start);
  return buf.toString("utf8", start, end < 0 || end > start + len ? start + len : end);
}

function octal(buf: Buffer, start: number, len: number) {
  // GNU base-256 for values that do not fit in octal.
  if (buf[start] & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i];
    return v;
  }
  const s = str(buf, start, len).trim();
  if (!/^[0-7]*$/.test(s)) throw new TarError("corrupt tar header (bad number)");
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(h: Buffer) {
  const stored = octal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === stored;
}

function paxRecords(data: Buffer) {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = Number(data.toString("utf8", pos, sp));
    if (!len) break;
    const rec = data.toString("utf8", sp + 1, pos + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

type Source = { size: number; read: (offset: number, length: number) => Promise<Buffer> };

export function bufferSource(buf: Buffer): Source {
  return { size: buf.length, read: async (o, l) => buf.subarray(o, o + l) };
}

export async function fileSource(fh: FileHandle): Promise<Source> {
  const { size } = await fh.stat();
  return {
    size,
    read: async (offset, length) => {
      const b = Buffer.alloc(length);
      const { bytesRead } = await fh.read(b, 0, length, offset);
      return b.subarray(0, bytesRead);
    },
  };
}

/**
 * Every member of the archive. Throws TarError for a bad header checksum, a member
 * running past the end of the file (truncation) or a missing end-of-archive marker.
 */
export async function listTar(src: Source): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  let pos = 0;
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  for (;;) {
    if (pos + BLOCK > src.size) throw new TarError("truncated (no end-of-archive marker)");
    const h = await src.read(pos, BLOCK);
    if (h.every((b) => b === 0)) return entries;
    if (!checksumOk(h)) throw new TarError(`corrupt tar header at byte ${pos}`);
    const type = String.fromCharCode(h[156] || 0x30);
    let size = octal(h, 124, 12);
    const prefix = h.toString("latin1", 257, 262) === "ustar" ? str(h, 345, 155) : "";
    let name = prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100);
    const dataOffset = pos + BLOCK;
    if (pax.size) size = Number(pax.size);
    if (dataOffset + size > src.size) throw new TarError(`truncated: ${name || "a member"} ends past the end of the file`);
    pos = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L") {
      longName = str(await src.read(dataOffset, size), 0, size);
      continue;
    }
    if (type === "x") {
      pax = paxRecords(await src.read(dataOffset, size));
      continue;
    }
    if (type === "g") continue;
    if (longName !== null) name = longName;
    if (pax.path) name = pax.path;
    longName = null;
    pax = {};
    entries.push({ name, type, size, mtime: octal(h, 136, 12), dataOffset });
  }
}
