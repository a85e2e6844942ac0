import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { spawnProcess, type Subprocess } from "./spawner";

type Outcome = { code: number | null; signal: string | null; stdout: Buffer; stderr: string; error?: Error };

function collect(child: Subprocess): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    let err = "";
    let error: Error | undefined;
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => (err += c));
    child.stdin?.on("error", () => {});
    child.on("error", (e: Error) => (error = e));
    child.on("close", (code: number | null, signal: string | null) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, error }));
  });
}

const sh = (script: string, stdio?: Parameters<typeof spawnProcess>[2]["stdio"]) => spawnProcess("sh", ["-c", script], { env: process.env, stdio });
const helperPid = () => (globalThis as unknown as { rookerySpawnHelper?: { proc: { pid: number } } }).rookerySpawnHelper?.proc.pid;

describe("spawning through the helper process", () => {
  it("passes stdin, stdout, stderr and the exit code, with big bodies in both directions", async () => {
    const input = randomBytes(8 * 1024 * 1024);
    const child = sh("cat; echo oops >&2; exit 3");
    const done = collect(child);
    child.stdin!.end(input);
    const r = await done;
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("oops\n");
    expect(createHash("sha256").update(r.stdout).digest("hex")).toBe(createHash("sha256").update(input).digest("hex"));
    expect(helperPid()).toBeGreaterThan(0);
    expect(helperPid()).not.toBe(process.pid);
  });

  it("gives the process exactly the environment asked for: added, changed and removed variables", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ROOKERY_SPAWN_TEST: "added", PATH: `/nonexistent:${process.env.PATH}` };
    delete env.HOME;
    const r = await collect(spawnProcess("sh", ["-c", 'echo "$ROOKERY_SPAWN_TEST ${HOME:-unset} ${PATH%%:*}"'], { env }));
    expect(r.stdout.toString()).toBe("added unset /nonexistent\n");
  });

  it("runs a hundred processes at once, each with its own streams", async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const child = sh(`read line; echo "$line-${i}"`);
        const done = collect(child);
        child.stdin!.end(`hello\n`);
        return (await done).stdout.toString();
      }),
    );
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => `hello-${i}\n`));
  });

  it("closes even when nobody reads the output, and when stdin is ignored", async () => {
    const r = await new Promise<number | null>((resolve) => sh("echo unread; echo unread >&2", ["ignore", "pipe", "pipe"]).on("close", resolve));
    expect(r).toBe(0);
  });

  it("delivers a process that exits before reading its input, without hanging the writer", async () => {
    const child = sh("exit 0");
    const done = collect(child);
    child.stdin!.end(randomBytes(4 * 1024 * 1024));
    expect((await done).code).toBe(0);
  });

  it("kills with a signal, also before the process has started", async () => {
    const early = sh("exec sleep 30");
    early.kill("SIGKILL");
    const r1 = await collect(early);
    expect(r1.signal).toBe("SIGKILL");

    const late = sh("echo started; exec sleep 30");
    const done = collect(late);
    await new Promise((resolve) => late.stdout!.once("data", resolve));
    expect(late.kill("SIGTERM")).toBe(true);
    const r2 = await done;
    expect(r2.signal).toBe("SIGTERM");
    expect(late.kill("SIGTERM")).toBe(false);
  });

  it("reports a command that does not exist as an error, as Node does", async () => {
    const r = await collect(spawnProcess("/nonexistent/git", [], { env: process.env }));
    expect(r.error?.message).toMatch(/ENOENT/);
  });

  it("fails the running processes if the helper dies, and starts a new helper for the next one", async () => {
    const child = sh("exec sleep 30");
    const done = collect(child);
    await new Promise((resolve) => child.once("spawn", resolve));
    const first = helperPid()!;
    process.kill(first, "SIGKILL");
    const r = await done;
    expect(r.error?.message).toMatch(/spawn helper exited/);
    const again = await collect(sh("echo back"));
    expect(again.stdout.toString()).toBe("back\n");
    expect(helperPid()).not.toBe(first);
  });
});
