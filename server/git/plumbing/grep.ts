import { decodeName } from "./browse";
import { spawnGit } from "./cli";

export type GrepHit = { path: string; line: number; text: string };

/**
 * Lines of `commit`'s files (those matching `paths`, globs, when given) containing `needle`
 * (a fixed string, case-insensitive unless asked; binary files skipped): at most `perFile` per file and `limit` in all. Bounded in time and output:
 * past `timeoutMs` or `maxBytes` git is stopped and what arrived so far is returned.
 * A repository or commit that does not exist yields nothing.
 */
export function grepCommit(
  dir: string,
  commit: string,
  needle: string,
  opts: { perFile: number; limit: number; timeoutMs: number; maxBytes?: number; caseSensitive?: boolean; paths?: string[] },
): Promise<{ hits: GrepHit[]; complete: boolean }> {
  const maxBytes = opts.maxBytes ?? 512 * 1024;
  const args = ["grep", "-z", "-n", "-I", "-F", ...(opts.caseSensitive ? [] : ["-i"]), "--no-color", `--max-count=${opts.perFile}`, "-e", needle, commit, "--"];
  // pathspecs with glob magic: `*` does not cross `/` (":(glob)*/*/Manifest")
  for (const p of opts.paths ?? []) args.push(`:(glob)${p}`);
  return new Promise((resolve) => {
    const child = spawnGit(args, { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    let size = 0;
    let complete = true;
    const stop = () => {
      complete = false;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(stop, opts.timeoutMs);
    child.stdout!.on("data", (c: Buffer) => {
      if (!complete) return;
      chunks.push(c);
      size += c.length;
      if (size >= maxBytes) stop();
    });
    const done = () => {
      clearTimeout(timer);
      resolve({ hits: parse(Buffer.concat(chunks), `${commit}:`, opts.limit), complete });
    };
    child.on("error", done);
    child.on("close", done);
  });
}

/** `-z -n` output: `<commit>:<path>\0<line>\0<text>\n` per hit (paths may be any bytes; those not UTF-8 are left out). */
function parse(out: Buffer, prefix: string, limit: number): GrepHit[] {
  const hits: GrepHit[] = [];
  let pos = 0;
  while (hits.length < limit) {
    const a = out.indexOf(0, pos);
    const b = a < 0 ? -1 : out.indexOf(0, a + 1);
    const end = b < 0 ? -1 : out.indexOf(0x0a, b + 1);
    if (end < 0) break; // a hit cut off by a stop
    const name = decodeName(out.subarray(pos, a));
    const line = Number(out.subarray(a + 1, b).toString("latin1"));
    pos = end + 1;
    if (!name.valid || !name.text.startsWith(prefix) || !Number.isInteger(line)) continue;
    hits.push({ path: name.text.slice(prefix.length), line, text: out.subarray(b + 1, end).toString("utf8") });
  }
  return hits;
}
