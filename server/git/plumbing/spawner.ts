import { fork, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import { EventEmitter, once } from "node:events";
import net from "node:net";
import path from "node:path";
import { finished, PassThrough, type Readable, type Writable } from "node:stream";

/**
 * Starts processes through a small helper process (`spawn-helper.mjs`) instead of forking
 * this one. Forking copies the page tables of the caller: for a 300 MB web process that is
 * ~7 ms of blocked event loop per git command, more than many git commands take. Through the
 * helper it is well under 1 ms. The returned object behaves like a ChildProcess for what
 * Rookery uses: stdin/stdout/stderr streams, kill(), exitCode, "error" and "close" events.
 * ROOKERY_GIT_SPAWN=direct spawns from this process instead.
 * simple-git (plumbing/simple.ts) forks the caller and buffers output, so streamed git,
 * stdin-fed plumbing and git on the web request path stay here.
 */
export type Stdio = "pipe" | "ignore" | "inherit";

export interface Subprocess extends EventEmitter {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): boolean;
}

export type SpawnOptions = { cwd?: string; env: NodeJS.ProcessEnv; stdio?: Stdio | [Stdio, Stdio, Stdio] };

export function spawnProcess(command: string, args: string[], opts: SpawnOptions): Subprocess {
  const stdio: [Stdio, Stdio, Stdio] = Array.isArray(opts.stdio) ? opts.stdio : [opts.stdio ?? "pipe", opts.stdio ?? "pipe", opts.stdio ?? "pipe"];
  if (process.env.ROOKERY_GIT_SPAWN === "direct") return spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio }) as ChildProcess & Subprocess;
  return helper().spawn(command, args, opts.cwd, opts.env, stdio);
}

type HelperMessage =
  | { op: "spawned"; id: number; pid: number }
  | { op: "error"; id: number; message: string; code?: string }
  | { op: "exit"; id: number; code: number | null; signal: NodeJS.Signals | null };

class HelperSubprocess extends EventEmitter implements Subprocess {
  readonly stdin: PassThrough | null;
  readonly stdout: PassThrough | null;
  readonly stderr: PassThrough | null;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private exited = false;
  private openStreams = 0;
  private closed = false;
  stdinSocket: net.Socket | null = null;
  /** Whether the helper was asked to start it yet; a kill before that is sent right after. */
  requested = false;
  killBeforeStart: NodeJS.Signals | null = null;

  constructor(
    readonly id: number,
    stdio: [Stdio, Stdio, Stdio],
    private readonly sendKill: (signal: NodeJS.Signals) => void,
  ) {
    super();
    this.stdin = stdio[0] === "pipe" ? new PassThrough() : null;
    this.stdout = stdio[1] === "pipe" ? new PassThrough() : null;
    this.stderr = stdio[2] === "pipe" ? new PassThrough() : null;
    for (const s of [this.stdout, this.stderr]) {
      if (!s) continue;
      this.openStreams++;
      finished(s, () => {
        this.openStreams--;
        this.maybeClose();
      });
    }
  }

  kill(signal: NodeJS.Signals = "SIGTERM") {
    if (this.exited) return false;
    try {
      this.sendKill(signal);
      return true;
    } catch {
      return false;
    }
  }

  /** The helper started the process: only now may stdin flow (the helper's copy of the socket is closed). */
  onSpawned() {
    if (this.stdin && this.stdinSocket) {
      const socket = this.stdinSocket;
      socket.on("error", (e) => this.stdin!.destroy(e));
      this.stdin.pipe(socket);
    }
    this.emit("spawn");
  }

  onExit(code: number | null, signal: NodeJS.Signals | null) {
    this.exited = true;
    this.exitCode = code;
    this.signalCode = signal;
    this.stdinSocket?.destroy();
    this.emit("exit", code, signal);
    this.flushUnread();
    this.maybeClose();
  }

  /** The process could not be started, or the helper died: what Node's ChildProcess does on spawn failure. */
  fail(error: Error) {
    this.exited = true;
    this.emit("error", error);
    this.stdinSocket?.destroy();
    this.stdout?.end();
    this.stderr?.end();
    this.flushUnread();
    this.exitCode ??= -2;
    this.maybeClose();
  }

  /** As Node does on exit: output nobody listens to is drained, so "close" still comes. */
  private flushUnread() {
    for (const s of [this.stdout, this.stderr])
      if (s && !(s as unknown as { _readableState: { readableListening: boolean } })._readableState.readableListening) s.resume();
  }

  private maybeClose() {
    if (this.closed || !this.exited || this.openStreams > 0) return;
    this.closed = true;
    this.emit("close", this.exitCode, this.signalCode);
  }
}

class SpawnHelper {
  private readonly proc: ChildProcess;
  private readonly server: net.Server;
  private readonly address = `\0rookery-spawn-${process.pid}-${crypto.randomBytes(6).toString("hex")}`;
  private readonly listening: Promise<unknown>;
  private readonly connections = new Map<string, (socket: net.Socket) => void>();
  private readonly running = new Map<number, HelperSubprocess>();
  private nextId = 1;
  private readonly baseEnv: NodeJS.ProcessEnv;
  dead = false;

  constructor() {
    const script = path.join(process.env.ROOKERY_APP_DIR || process.cwd(), "server/git/plumbing/spawn-helper.mjs");
    this.baseEnv = { ...process.env };
    this.proc = fork(script, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [], serialization: "json" });
    this.proc.on("message", (m: HelperMessage) => this.onMessage(m));
    this.proc.on("exit", () => this.onHelperExit());
    this.proc.on("error", () => this.onHelperExit());
    this.proc.unref();
    this.proc.channel?.unref();

    // Each stdio stream is a connected pair of unix sockets: this end stays here, the other
    // goes to the helper as a handle. A 16-byte token names the pair.
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => {
      let token = "";
      const onData = (chunk: Buffer) => {
        token += chunk.toString("latin1");
        if (token.length < 16) return;
        socket.off("data", onData);
        socket.pause();
        const claim = this.connections.get(token.slice(0, 16));
        this.connections.delete(token.slice(0, 16));
        if (claim) claim(socket);
        else socket.destroy();
      };
      socket.on("data", onData);
      socket.on("error", () => {});
    });
    this.server.unref();
    this.listening = new Promise((resolve, reject) => this.server.listen(this.address, () => resolve(null)).once("error", reject));
  }

  private async socketPair(): Promise<[net.Socket, net.Socket]> {
    await this.listening;
    const token = crypto.randomBytes(8).toString("hex");
    const far = new Promise<net.Socket>((resolve) => this.connections.set(token, resolve));
    const near = net.connect({ path: this.address, allowHalfOpen: true });
    near.write(token);
    await once(near, "connect");
    return [near, await far];
  }

  spawn(command: string, args: string[], cwd: string | undefined, env: NodeJS.ProcessEnv, stdio: [Stdio, Stdio, Stdio]): Subprocess {
    const id = this.nextId++;
    const child: HelperSubprocess = new HelperSubprocess(id, stdio, (signal) => {
      if (child.requested) this.send({ op: "kill", id, signal });
      else child.killBeforeStart = signal;
    });
    this.running.set(id, child);
    if (this.running.size === 1) this.proc.channel?.ref();
    void this.start(child, command, args, cwd, env, stdio).catch((e: Error) => {
      this.finish(id);
      child.fail(e);
    });
    return child;
  }

  private async start(child: HelperSubprocess, command: string, args: string[], cwd: string | undefined, env: NodeJS.ProcessEnv, stdio: [Stdio, Stdio, Stdio]) {
    const pipes = stdio.map((s, i) => (s === "pipe" ? i : -1)).filter((i) => i >= 0);
    const pairs = await Promise.all(pipes.map(() => this.socketPair()));
    pipes.forEach((which, n) => {
      const [near, far] = pairs[n];
      near.on("error", () => {});
      if (which === 0) child.stdinSocket = near;
      else near.pipe(which === 1 ? child.stdout! : child.stderr!);
      this.send({ op: "fd", id: child.id, which }, far);
    });
    this.send({ op: "spawn", id: child.id, command, args, cwd, env: this.envChanges(env), stdio, fds: pipes.length });
    child.requested = true;
    if (child.killBeforeStart) this.send({ op: "kill", id: child.id, signal: child.killBeforeStart });
  }

  /** The helper started with this process's environment: send only what differs (null = unset). */
  private envChanges(env: NodeJS.ProcessEnv) {
    const changes: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined && this.baseEnv[k] !== v) changes[k] = v;
    for (const k of Object.keys(this.baseEnv)) if (env[k] === undefined) changes[k] = null;
    return changes;
  }

  private send(message: object, handle?: net.Socket) {
    if (this.dead) throw new Error("the git spawn helper is not running");
    this.proc.send(message, handle as net.Socket, (e) => {
      if (e) this.onHelperExit();
    });
  }

  private onMessage(m: HelperMessage) {
    const child = this.running.get(m.id);
    if (!child) return;
    if (m.op === "spawned") child.onSpawned();
    else if (m.op === "error") {
      this.finish(m.id);
      child.fail(Object.assign(new Error(`spawn ${m.message}`), { code: m.code }));
    } else if (m.op === "exit") {
      this.finish(m.id);
      child.onExit(m.code, m.signal);
    }
  }

  private finish(id: number) {
    this.running.delete(id);
    if (this.running.size === 0) this.proc.channel?.unref();
  }

  private onHelperExit() {
    if (this.dead) return;
    this.dead = true;
    this.server.close();
    for (const [id, child] of this.running) {
      this.finish(id);
      child.fail(new Error("the git spawn helper exited"));
    }
  }
}

/** One helper per process (Next may load this module in several bundles); restarted if it died. */
function helper(): SpawnHelper {
  const g = globalThis as { rookerySpawnHelper?: SpawnHelper };
  if (!g.rookerySpawnHelper || g.rookerySpawnHelper.dead) g.rookerySpawnHelper = new SpawnHelper();
  return g.rookerySpawnHelper;
}
