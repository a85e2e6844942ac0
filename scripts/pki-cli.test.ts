import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listCas } from "@/server/pki/ca";
import { testDatabase } from "@/test/support/db";

const db = testDatabase();
const root = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pki-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Result = { code: number | null; stdout: string; stderr: string };

function run(cmd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: root, env: { ...process.env, ROOKERY_DATA_DIR: path.join(dir, "data"), ...env } });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("error", reject);
    p.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
const cli = (...args: string[]) => run(path.join(root, "node_modules/.bin/tsx"), ["scripts/cli.ts", ...args]);
const openssl = (...args: string[]) => run("openssl", args);

describe("PKI commands of the operators' CLI", { timeout: 120_000 }, () => {
  it("runs the offline key ceremony without any database", async () => {
    const off = path.join(dir, "off");
    // No database reachable: the offline commands must not need one.
    const noDb = { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" };
    const init = await run(
      path.join(root, "node_modules/.bin/tsx"),
      ["scripts/cli.ts", "pki:root-init", "--out", off, "--subject", "CN=CLI Root,O=Acme", "--key", "rsa:2048"],
      noDb,
    );
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`${off}/root.key`);
    expect((await cli("pki:ca-csr", "--name", "level1", "--subject", "CN=CLI L1,O=Acme", "--out", off, "--key", "ec:P-384")).code).toBe(0);
    const signed = await cli(
      "pki:sign-ca",
      "--ca-cert",
      `${off}/root.pem`,
      "--ca-key",
      `${off}/root.key`,
      "--csr",
      `${off}/level1.csr`,
      "--out",
      `${off}/level1.pem`,
      "--days",
      "3650",
      "--portal-url",
      "https://rookery.example.com/",
    );
    expect(signed.code).toBe(0);
    expect(signed.stdout).toContain("CRL distribution point: https://rookery.example.com/pki/root/crl");
    expect((await openssl("verify", "-CAfile", `${off}/root.pem`, `${off}/level1.pem`)).stdout).toContain("OK");
    // The level-1 names where the portal publishes the root's CRL and certificate.
    const l1Text = (await openssl("x509", "-in", `${off}/level1.pem`, "-noout", "-text")).stdout;
    expect(l1Text).toContain("URI:https://rookery.example.com/pki/root/crl");
    expect(l1Text).toContain("CA Issuers - URI:https://rookery.example.com/pki/root/ca.crt");
    expect((await cli("pki:crl", "--ca-cert", `${off}/root.pem`, "--ca-key", `${off}/root.key`, "--out", `${off}/root.crl`)).code).toBe(0);
    expect((await openssl("crl", "-in", `${off}/root.crl`, "-CAfile", `${off}/root.pem`, "-noout")).stderr).toContain("verify OK");
    // A retired level-1 listed in the root's next CRL, with its reason.
    const level1Serial = (await openssl("x509", "-in", `${off}/level1.pem`, "-noout", "-serial")).stdout.trim().split("=")[1];
    const withRevoked = await cli(
      "pki:crl",
      "--ca-cert",
      `${off}/root.pem`,
      "--ca-key",
      `${off}/root.key`,
      "--out",
      `${off}/root2.crl`,
      "--number",
      "2",
      "--revoke",
      `${level1Serial}:cACompromise`,
    );
    expect(withRevoked.stdout).toContain("1 revoked");
    const crlText = await openssl("crl", "-in", `${off}/root2.crl`, "-CAfile", `${off}/root.pem`, "-noout", "-text");
    expect(crlText.stderr).toContain("verify OK");
    expect(crlText.stdout).toMatch(new RegExp(`Serial Number: ${level1Serial.replace(/^(00)+/, "")}[\\s\\S]*CA Compromise`, "i"));
    const revokedChain = await openssl("verify", "-crl_check", "-CAfile", `${off}/root.pem`, "-CRLfile", `${off}/root2.crl`, `${off}/level1.pem`);
    expect(revokedChain.stdout + revokedChain.stderr).toMatch(/certificate revoked/);
    const badRevoke = await cli(
      "pki:crl",
      "--ca-cert",
      `${off}/root.pem`,
      "--ca-key",
      `${off}/root.key`,
      "--out",
      `${off}/root3.crl`,
      "--revoke",
      "xyz:sometimes",
    );
    expect(badRevoke.code).toBe(2);
    expect(badRevoke.stderr).toContain("--revoke takes SERIAL[:REASON]");

    const bad = await cli("pki:root-init");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--out is required");
    const badKey = await cli("pki:root-init", "--out", off, "--key", "rsa:1024");
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain("--key must be rsa:2048");
    const again = await cli("pki:root-init", "--out", off);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a root/);
    const garbage = path.join(dir, "garbage.csr");
    fs.writeFileSync(garbage, "hello");
    const signArgs = ["--ca-cert", `${off}/root.pem`, "--ca-key", `${off}/root.key`, "--csr", garbage, "--out", `${dir}/x.pem`];
    const noUrl = await cli("pki:sign-ca", ...signArgs);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/--portal-url is required/);
    const refused = await cli("pki:sign-ca", ...signArgs, "--portal-url", "https://rookery.example.com");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/csr: This is not a certificate signing request/);
  });

  it("pki:dev-bootstrap builds the demo hierarchy once", async () => {
    const first = await cli("pki:dev-bootstrap", "--out", path.join(dir, "dev"));
    expect(first.stderr).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/sub\s+host/);
    expect(first.stdout).toMatch(/Start the portal: its Puppet CA API comes up at https:\/\/.+\/puppet-ca\/v1|Puppet CA listener is off/);
    expect((await listCas(db())).map((c) => c.name).sort()).toEqual(["client", "host", "level1", "puppet", "root", "user"]);
    const second = await cli("pki:dev-bootstrap");
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("nothing to do");
  });
});
