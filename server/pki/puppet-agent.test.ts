import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "@/server/auth/tokens";
import { createLocalUser } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { run, type RunResult } from "@/test/support/run";
import { devBootstrap } from "./offline";
import { createAutosignToken, handlePuppetCa } from "./puppet";
import { startPuppetCaListener, waitForPuppetCa, type PuppetCaListener } from "./puppet-listener";
import { getConfig } from "@/server/config";
import { freePort } from "@/test/support/ports";

/**
 * Slow: a stock Debian `puppet agent` (puppet-agent 7, installed by the test harness)
 * bootstraps its SSL against Rookery's Puppet CA listener.
 */
const db = testDatabase({ PUBLIC_URL: "http://rookery.test", ROOKERY_ENCRYPTION_KEY: randomBytes(32).toString("base64") });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-puppet-agent-"));
let listener: PuppetCaListener;
let adminAuth: string;

function puppet(certname: string, sub: "bootstrap" | "verify", opts: { challenge?: string; extensions?: Record<string, string> } = {}): Promise<RunResult> {
  const dir = path.join(tmp, certname);
  fs.mkdirSync(path.join(dir, "conf"), { recursive: true });
  const yaml = [
    ...(opts.challenge ? ["custom_attributes:", `  1.2.840.113549.1.9.7: "${opts.challenge}"`] : []),
    ...(opts.extensions ? ["extension_requests:", ...Object.entries(opts.extensions).map(([k, v]) => `  ${k}: "${v}"`)] : []),
  ];
  if (yaml.length) fs.writeFileSync(path.join(dir, "conf", "csr_attributes.yaml"), yaml.join("\n") + "\n");
  const args = [
    "ssl",
    sub,
    "--certname",
    certname,
    "--confdir",
    path.join(dir, "conf"),
    "--vardir",
    path.join(dir, "var"),
    "--ssldir",
    path.join(dir, "ssl"),
    "--logdir",
    path.join(dir, "log"),
    "--rundir",
    path.join(dir, "run"),
  ];
  if (sub === "bootstrap")
    args.push(
      "--server",
      "localhost",
      "--serverport",
      String(listener.port),
      "--ca_server",
      "localhost",
      "--ca_port",
      String(listener.port),
      "--waitforcert",
      "0",
    );
  return run("puppet", args, { cwd: tmp, env: { ...process.env, HOME: tmp } });
}

beforeAll(async () => {
  await devBootstrap(db(), { outDir: path.join(tmp, "offline"), base: "dc=example,dc=com", orgName: "Test" });
  const admin = await createLocalUser(db(), { username: "pa-admin", password: "Sturdy-pass-2026", isAdmin: true });
  const t = await createToken(db(), { userId: admin.id, name: "puppet", scope: "write", expiresAt: null });
  adminAuth = `Basic ${Buffer.from(`pa-admin:${t.token}`).toString("base64")}`;
  listener = (await startPuppetCaListener({ port: 0, host: "127.0.0.1", dnsNames: ["localhost", "127.0.0.1"] }, () => {}))!;
});

afterAll(async () => {
  await listener?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("waiting for the Puppet CA API (pki:dev-bootstrap's last line)", () => {
  const config = (port: number) => ({ ...getConfig(), puppetCa: { ...getConfig().puppetCa, port, dnsNames: ["localhost"] } });
  it("says it answers once the listener does, and what to do when the portal is down or slow", async () => {
    expect(await waitForPuppetCa(config(listener.port), async () => true)).toBe(`Puppet CA API answering at https://localhost:${listener.port}/puppet-ca/v1.`);
    const silent = await freePort();
    expect(await waitForPuppetCa(config(silent), async () => false)).toMatch(/^Start the portal/);
    expect(await waitForPuppetCa(config(silent), async () => true, 1_000)).toMatch(/has not started its Puppet CA API/);
  });
});

describe("a stock puppet agent against the Puppet CA", { timeout: 120_000 }, () => {
  it("bootstraps at once with a one-time challengePassword, waits without one until signed, and is refused once revoked", async () => {
    const token = await createAutosignToken(db(), "agent-a.example.com", null);
    const a = await puppet("agent-a.example.com", "bootstrap", { challenge: token, extensions: { pp_role: "webserver", pp_environment: "production" } });
    expect(a.out).toMatch(/Completed SSL initialization|Downloaded certificate for agent-a.example.com/);
    expect(a.code).toBe(0);
    const certFile = path.join(tmp, "agent-a.example.com", "ssl", "certs", "agent-a.example.com.pem");
    expect(fs.existsSync(certFile)).toBe(true);
    // The trusted facts the agent asked for are in its certificate, as puppetserver signs them.
    const txt = execFileSync("openssl", ["x509", "-in", certFile, "-noout", "-text"], { encoding: "utf8" });
    expect(txt).toMatch(/1\.3\.6\.1\.4\.1\.34380\.1\.1\.13:\s*\n\s*\.\.webserver/);
    expect(txt).toContain("1.3.6.1.4.1.34380.1.1.12:");
    expect(txt).toMatch(/Basic Constraints: critical\s*\n\s*CA:FALSE/);
    expect(txt).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);

    const b1 = await puppet("agent-b.example.com", "bootstrap");
    expect(b1.code).not.toBe(0);
    expect(b1.out).toMatch(/Couldn't fetch certificate from CA server|sign this agent's certificate/i);
    const signed = await handlePuppetCa(
      new Request("http://x/puppet-ca/v1/certificate_status/agent-b.example.com", {
        method: "PUT",
        headers: { authorization: adminAuth },
        body: JSON.stringify({ desired_state: "signed" }),
      }),
      ["certificate_status", "agent-b.example.com"],
    );
    expect(signed.status).toBe(204);
    const b2 = await puppet("agent-b.example.com", "bootstrap");
    expect(b2.code, b2.out).toBe(0);

    const revoked = await handlePuppetCa(
      new Request("http://x/puppet-ca/v1/certificate_status/agent-a.example.com", {
        method: "PUT",
        headers: { authorization: adminAuth },
        body: JSON.stringify({ desired_state: "revoked" }),
      }),
      ["certificate_status", "agent-a.example.com"],
    );
    expect(revoked.status).toBe(204);
    // With a fresh CRL the agent refuses its own revoked certificate.
    fs.rmSync(path.join(tmp, "agent-a.example.com", "ssl", "crl.pem"), { force: true });
    const again = await puppet("agent-a.example.com", "bootstrap");
    expect(again.code).not.toBe(0);
    expect(again.out).toMatch(/revoked/i);
  });
});
