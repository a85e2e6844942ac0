import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { InputError, StateError } from "@/server/errors";

/**
 * Where artifact bytes live. Local disk now; an S3-compatible store implements the same
 * three calls (put streams with a verified checksum; nothing is visible until put resolves).
 */
export interface ArtifactStore {
  put(key: string, body: Readable, expect: { sha256: string; maxBytes?: number }): Promise<{ size: number; sha256: string }>;
  get(key: string): Readable;
  delete(key: string): Promise<void>;
  /** The bytes as a file on this machine (the local store), for code that reads files; null elsewhere. */
  localPath(key: string): string | null;
}

export class ChecksumError extends InputError {
  override readonly status = 422;
  constructor(readonly actual: string) {
    super(null, `sha256 mismatch: the upload hashed to ${actual}`);
  }
}
export class TooLargeError extends InputError {
  override readonly status = 413;
  constructor(message: string) {
    super(null, message);
  }
}
export class StorageFullError extends StateError {
  override readonly status = 507;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9/_.-]*$/;

/** Files under DATA_DIR/artifacts; uploads go to tmp/ first and are renamed in place once verified. */
export function localArtifactStore(root: string): ArtifactStore {
  const file = (key: string) => {
    if (!KEY.test(key) || key.split("/").includes("..")) throw new Error(`bad artifact key ${key}`);
    return path.join(root, key);
  };
  return {
    localPath: (key) => file(key),
    async put(key, body, expect) {
      const target = file(key);
      const tmpDir = path.join(root, "tmp");
      fs.mkdirSync(tmpDir, { recursive: true });
      const tmp = path.join(tmpDir, randomUUID());
      const hash = createHash("sha256");
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          if (expect.maxBytes !== undefined && size > expect.maxBytes) return cb(new TooLargeError(`artifact larger than ${expect.maxBytes} bytes`));
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      try {
        await pipeline(body, meter, fs.createWriteStream(tmp, { flags: "wx" }));
        const sha256 = hash.digest("hex");
        if (sha256 !== expect.sha256.toLowerCase()) throw new ChecksumError(sha256);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.renameSync(tmp, target);
        return { size, sha256 };
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        if ((e as NodeJS.ErrnoException).code === "ENOSPC") throw new StorageFullError("the artifact store is out of disk space");
        throw e;
      }
    },
    get(key) {
      return fs.createReadStream(file(key));
    },
    async delete(key) {
      fs.rmSync(file(key), { force: true });
    },
  };
}
