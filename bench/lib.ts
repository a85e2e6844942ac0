import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** Shared by the benchmarks: statistics, timing, and an HTTP client with a cookie jar that logs in like the login form. */

export type Stats = { count: number; p50: number; p95: number; p99: number; mean: number; max: number };

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: s.length,
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
    max: round(s[s.length - 1]),
  };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, Math.round(performance.now() - t)];
}

export class Client {
  private cookies = new Map<string, string>();
  constructor(
    readonly base: string,
    readonly username: string,
    private readonly password: string,
  ) {}

  async fetch(pathname: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(this.base + pathname, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  }

  /** next-auth's credentials flow, as the login form does it. */
  async login() {
    const { csrfToken } = (await (await this.fetch("/api/auth/csrf")).json()) as { csrfToken: string };
    const res = await this.fetch("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken, username: this.username, password: this.password, callbackUrl: this.base + "/", json: "true" }),
    });
    await res.arrayBuffer();
    if (![...this.cookies.keys()].some((k) => k.endsWith("next-auth.session-token")))
      throw new Error(`login of ${this.username} failed (HTTP ${res.status}, ${res.headers.get("location") ?? "no redirect"})`);
  }

  /** GETs a page and returns the time until the whole body arrived; checks it rendered. */
  async page(pathname: string, mustContain: string): Promise<number> {
    const t = performance.now();
    const res = await this.fetch(pathname);
    const body = await res.text();
    const ms = performance.now() - t;
    if (res.status !== 200 || !body.includes(mustContain))
      throw new Error(
        `GET ${pathname} as ${this.username}: HTTP ${res.status}${res.headers.get("location") ? ` → ${res.headers.get("location")}` : ""}, expected "${mustContain}"`,
      );
    return ms;
  }
}

/**
 * Runs a benchmark's main, then cleans up, writes `bench/results/<file>` (JSON) and
 * `bench/results/<latest>` (markdown), prints the markdown, and exits 1 if a target was missed.
 */
export function finishBench<R extends { file: string; targets: { pass: boolean }[] }>(
  results: Promise<R>,
  opts: { latest: string; markdown: (r: R) => string; cleanup: () => Promise<void>; log: (line: string) => void },
) {
  const dir = path.resolve(import.meta.dirname, "results");
  results.then(
    async (r) => {
      await opts.cleanup();
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, r.file), JSON.stringify(r, null, 2) + "\n");
      const md = opts.markdown(r);
      fs.writeFileSync(path.join(dir, opts.latest), md);
      console.log(md);
      process.exit(r.targets.every((t) => t.pass) ? 0 : 1);
    },
    async (e) => {
      opts.log(`failed: ${e instanceof Error ? e.stack : e}`);
      await opts.cleanup();
      process.exit(1);
    },
  );
}

/**
 * `next build` into `distDir` for a benchmark (reused when it exists unless `rebuild`);
 * the build's time in ms, or null when reused. next build rewrites tsconfig.json to include
 * its dist dir's types: it is put back afterwards.
 */
export function buildPortal(distDir: string, logFile: string, log: (line: string) => void, rebuild = !!process.env.BENCH_BUILD): number | null {
  const root = path.resolve(import.meta.dirname, "..");
  if (!rebuild && fs.existsSync(path.join(root, distDir, "BUILD_ID"))) {
    log(`reusing the existing ${distDir} build (BENCH_BUILD=1 rebuilds)`);
    return null;
  }
  log(`next build → ${distDir} (log: ${logFile})`);
  const tsconfig = fs.readFileSync(path.join(root, "tsconfig.json"), "utf8");
  const t = performance.now();
  const out = fs.openSync(logFile, "a");
  try {
    const r = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
      cwd: root,
      stdio: ["ignore", out, out],
      env: { ...process.env, NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1" },
    });
    if (r.status !== 0) throw new Error(`next build failed; see ${logFile}`);
  } finally {
    fs.closeSync(out);
    fs.writeFileSync(path.join(root, "tsconfig.json"), tsconfig);
  }
  return Math.round(performance.now() - t);
}
