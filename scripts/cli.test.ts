import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { desc, eq } from "drizzle-orm";
import { auditEvents, notifications } from "@/db/schema";
import { authenticate } from "@/server/auth/login";
import { loadConfig } from "@/server/config";
import { ensureDatabase, type RunningDatabase } from "@/server/runtime/database";
import { verifyToken } from "@/server/auth/tokens";
import { getOrgBySlug, listMembers } from "@/server/orgs";
import { getUserByUsername } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { freePort } from "@/test/support/ports";

const ADDRESS = "198.51.100.7";

const db = testDatabase();
const root = path.resolve(import.meta.dirname, "..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-cli-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

type Result = { code: number | null; stdout: string; stderr: string };

/** Runs the real CLI as an operator would, against this file's database (DATABASE_URL). */
function cli(...args: string[]): Promise<Result> {
  return cliWith({}, ...args);
}

function cliWith(env: Record<string, string | undefined>, ...args: string[]): Promise<Result> {
  return run([path.join(root, "node_modules/.bin/tsx"), "scripts/cli.ts", ...args], env);
}

function run([cmd, ...args]: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ROOKERY_DATA_DIR: dataDir, ...env },
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("error", reject);
    p.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const oneLine = (s: string) => s.trim().split("\n").length === 1;

describe("rookery CLI", { timeout: 60_000 }, () => {
  it("prints usage (and fails) without a command, and on help", async () => {
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: npm run rookery -- <command>");
    for (const c of [
      "user:create --username U --password P [--admin]",
      "org:add-member --org S --user U --role leader|developer|reporter",
      "ldap:sync",
      "db:migrate",
    ])
      expect(none.stderr).toContain(c);
    const help = await cli("help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("token:create --user U --name N --scope read|write");
  });

  it("creates a local user whose password then works, and refuses a duplicate in one line", async () => {
    const created = await cli("user:create", "--username", "Opsy", "--password", "Operator-pass-42", "--admin");
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim()).toBe("Created administrator opsy");
    const user = await authenticate(db(), "opsy", "Operator-pass-42", ADDRESS);
    expect(user).toMatchObject({ username: "opsy", isAdmin: true, source: "local" });

    const dup = await cli("user:create", "--username", "opsy", "--password", "Operator-pass-42");
    expect(dup.code).toBe(1);
    expect(oneLine(dup.stderr)).toBe(true);
    expect(dup.stderr).toContain("A user with this username already exists");

    const weak = await cli("user:create", "--username", "weakling", "--password", "short");
    expect(weak.code).toBe(1);
    expect(weak.stderr.trim()).toBe("rookery: password: Password must be at least 12 characters");
    expect(await getUserByUsername(db(), "weakling")).toBeNull();

    const [audit] = await db().select().from(auditEvents).where(eq(auditEvents.action, "user:create")).orderBy(desc(auditEvents.id));
    expect(audit).toMatchObject({ actorName: "cli", outcome: "failure" });
    const ok = await db().select().from(auditEvents).where(eq(auditEvents.targetId, "opsy"));
    expect(ok).toContainEqual(expect.objectContaining({ action: "user:create", actorName: "cli", outcome: "success" }));
  });

  it("changes a local password", async () => {
    expect((await cli("user:create", "--username", "pat", "--password", "First-password-1")).code).toBe(0);
    const changed = await cli("user:passwd", "--username", "pat", "--password", "Second-password-2");
    expect(changed.code, changed.stderr).toBe(0);
    await expect(authenticate(db(), "pat", "First-password-1", ADDRESS)).rejects.toThrow("Invalid username or password");
    await expect(authenticate(db(), "pat", "Second-password-2", ADDRESS)).resolves.toMatchObject({ username: "pat" });
    const missing = await cli("user:passwd", "--username", "nobody-here", "--password", "Second-password-2");
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("rookery: username: No user named nobody-here");
  });

  it("creates an org and adds a member with a role", async () => {
    const org = await cli("org:create", "--name", "Wayne Enterprises", "--slug", "wayne");
    expect(org.code, org.stderr).toBe(0);
    expect((await cli("user:create", "--username", "lucius", "--password", "Applied-sciences-1")).code).toBe(0);
    const added = await cli("org:add-member", "--org", "wayne", "--user", "lucius", "--role", "developer");
    expect(added.code, added.stderr).toBe(0);

    const found = await getOrgBySlug(db(), "wayne");
    expect(found).toMatchObject({ name: "Wayne Enterprises", source: "local", archivedAt: null });
    expect(await listMembers(db(), found!.id)).toEqual([expect.objectContaining({ username: "lucius", role: "developer", source: "local" })]);
    // the CLI runs the same service as the Members page: the new member is told
    const lucius = (await getUserByUsername(db(), "lucius"))!;
    expect(await db().select({ title: notifications.title }).from(notifications).where(eq(notifications.userId, lucius.id))).toEqual([
      { title: "You were added to Wayne Enterprises" },
    ]);

    const dup = await cli("org:create", "--name", "Wayne Enterprises", "--slug", "wayne");
    expect(dup.code).toBe(1);
    expect(dup.stderr.trim()).toBe("rookery: name: An organization with this name already exists");

    const badRole = await cli("org:add-member", "--org", "wayne", "--user", "lucius", "--role", "owner");
    expect(badRole.code).toBe(2);
    expect(oneLine(badRole.stderr)).toBe(true);
    expect(badRole.stderr).toContain("--role must be leader, developer or reporter");

    const noOrg = await cli("org:add-member", "--org", "nowhere", "--user", "lucius", "--role", "leader");
    expect(noOrg.code).toBe(1);
    expect(noOrg.stderr.trim()).toBe("rookery: No organization with slug nowhere");
  });

  it("prints only a working token", async () => {
    expect((await cli("user:create", "--username", "robot", "--password", "Machine-secret-99")).code).toBe(0);
    // Exactly as the usage text tells operators to capture it.
    const r = await run(["npm", "run", "-s", "rookery", "--", "token:create", "--user", "robot", "--name", "ci", "--scope", "write", "--expires-days", "30"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^rky_[A-Za-z0-9_-]{43}\n$/);
    const verified = await verifyToken(db(), r.stdout.trim());
    expect(verified).toMatchObject({ scope: "write", user: { username: "robot" } });
  });

  it("syncs from LDAP and prints what changed", async () => {
    const r = await cli("ldap:sync");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("organizations  3 added, 0 updated, 0 archived");
    expect(r.stdout).toContain("users          5 added, 0 updated");
    expect(r.stdout).toContain("memberships    7 added, 0 removed, 0 role changes");
    const acme = await getOrgBySlug(db(), "acme");
    expect(acme).toMatchObject({ source: "ldap" });
    expect((await listMembers(db(), acme!.id)).map((m) => [m.username, m.role])).toEqual([
      ["alice", "leader"],
      ["bob", "developer"],
      ["carol", "developer"],
    ]);
    const again = await cli("ldap:sync");
    expect(again.stdout).toContain("organizations  0 added, 0 updated, 0 archived");

    const down = await cliWith({ LDAP_URL: `ldap://127.0.0.1:${await freePort()}` }, "ldap:sync");
    expect(down.code).toBe(1);
    expect(oneLine(down.stderr), down.stderr).toBe(true);
    expect(down.stderr).toMatch(/^rookery: LDAP sync failed: /);
  });

  it("rejects bad arguments with one line and a non-zero exit", async () => {
    const cases: [string[], string][] = [
      [["frobnicate"], "unknown command frobnicate"],
      [["user:create", "--username", "x"], "--password is required"],
      [["user:create", "--username", "x", "--password", "y", "--root"], "unknown flag --root"],
      [["token:create", "--user", "robot", "--name", "ci", "--scope", "admin"], "--scope must be read or write"],
      [["token:create", "--user", "robot", "--name", "ci", "--scope", "read", "--expires-days", "soon"], "--expires-days must be a number of days"],
      [["org:create", "--name"], "--name needs a value"],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i];
      expect(r.code, args.join(" ")).toBe(2);
      expect(oneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe("");
    }
  });
});

describe("rookery CLI without DATABASE_URL", () => {
  it("starts the embedded PostgreSQL around the command, or reuses the portal's", { timeout: 180_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-cli-embedded-"));
    fs.chmodSync(dir, 0o755); // the embedded server runs as "postgres" when we are root
    const port = await freePort();
    const env = { DATABASE_URL: undefined, ROOKERY_DATA_DIR: dir, EMBEDDED_PG_PORT: String(port) };
    let portal: RunningDatabase | null = null;
    try {
      const created = await cliWith(env, "user:create", "--username", "embedded", "--password", "Local-cluster-42");
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout.trim()).toBe("Created user embedded");
      expect(created.stderr).toContain("Initialising the embedded PostgreSQL");
      expect(await portOpen(port)).toBe(false);

      // The portal's PostgreSQL (started here the way `npm start` does) is used, and left running.
      portal = await ensureDatabase(loadConfig({ ...process.env, ...env }));
      const dup = await cliWith(env, "user:create", "--username", "embedded", "--password", "Local-cluster-42");
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain(`Using the embedded PostgreSQL already running on 127.0.0.1:${port}`);
      expect(dup.stderr).toContain("A user with this username already exists");
      expect(await portOpen(port)).toBe(true);
    } finally {
      await portal?.stop();
      loadConfig();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}
