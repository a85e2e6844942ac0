// Rookery's git spawn helper: a small Node process that starts git on behalf of a large one.
// fork() costs time proportional to the parent's memory (7 ms for a 300 MB web process, on
// its event loop); from this process it costs well under 1 ms. The parent sends the stdio
// sockets as handles, then the command; the child's exit comes back as a message.
// Protocol (IPC messages): {op:"fd", id, which: 0|1|2} + socket handle, then
// {op:"spawn", id, command, args, cwd, env (changes to this process's env; null = unset), stdio, fds} → {op:"spawned"|"error"|"exit", id, ...};
// {op:"kill", id, signal}.
import { spawn } from "node:child_process";

const children = new Map();
const waiting = new Map();

function start(msg) {
  const w = waiting.get(msg.id);
  waiting.delete(msg.id);
  const stdio = msg.stdio.map((s, i) => (s === "pipe" ? w.fds[i] : s));
  let child;
  try {
    const env = { ...process.env };
    for (const [k, v] of Object.entries(msg.env)) {
      if (v === null) delete env[k];
      else env[k] = v;
    }
    child = spawn(msg.command, msg.args, { cwd: msg.cwd, env, stdio });
  } catch (e) {
    process.send({ op: "error", id: msg.id, message: e.message, code: e.code });
    return;
  } finally {
    // This process must not keep the sockets open (or read from them): the child has them now.
    for (const s of Object.values(w.fds)) s.destroy();
  }
  children.set(msg.id, child);
  if (w.kill) child.kill(w.kill);
  child.on("error", (e) => process.send({ op: "error", id: msg.id, message: e.message, code: e.code }));
  child.on("spawn", () => process.send({ op: "spawned", id: msg.id, pid: child.pid }));
  child.on("exit", (code, signal) => {
    children.delete(msg.id);
    process.send({ op: "exit", id: msg.id, code, signal });
  });
}

process.on("message", (msg, handle) => {
  if (msg.op === "fd" || msg.op === "spawn") {
    const w = waiting.get(msg.id) ?? { fds: {}, count: 0 };
    waiting.set(msg.id, w);
    if (msg.op === "fd") {
      w.fds[msg.which] = handle;
      w.count++;
    } else w.msg = msg;
    if (w.msg && w.count === w.msg.fds) start(w.msg);
  } else if (msg.op === "kill") {
    const pending = waiting.get(msg.id);
    if (pending) pending.kill = msg.signal;
    else children.get(msg.id)?.kill(msg.signal);
  }
});

// The parent went away: take its git processes with us.
process.on("disconnect", () => {
  for (const child of children.values()) child.kill("SIGTERM");
  process.exit(0);
});
