import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { waitForPort } from "@/test/support/ports";
import { run } from "@/test/support/run";
import { expect, login, logout, test } from "./support";

/**
 * A leader runs the Puppet agents of their org from the browser, with a stock `puppet agent`
 * (Debian's puppet-agent 7) bootstrapping against the portal's own Puppet CA listener.
 */
const suffix = randomBytes(3).toString("hex");
const slug = `pup-${suffix}`;
const domain = `${slug}.example.com`;
const leader = { username: `puplead-${suffix}`, password: `Lead-${suffix}-pass-9` };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-puppet-"));
const root = path.resolve(import.meta.dirname, "..");
const caPort = Number(process.env.PUPPET_CA_PORT);

/** `puppet ssl bootstrap` with its own confdir/ssldir/vardir; `csrAttributes` is the host's csr_attributes.yaml. */
function bootstrap(certname: string, csrAttributes?: string) {
  const dir = path.join(tmp, certname);
  fs.mkdirSync(path.join(dir, "conf"), { recursive: true });
  if (csrAttributes) fs.writeFileSync(path.join(dir, "conf", "csr_attributes.yaml"), csrAttributes);
  const d = (sub: string) => path.join(dir, sub);
  return run(
    "puppet",
    [
      "ssl",
      "bootstrap",
      "--certname",
      certname,
      "--confdir",
      d("conf"),
      "--vardir",
      d("var"),
      "--ssldir",
      d("ssl"),
      "--logdir",
      d("log"),
      "--rundir",
      d("run"),
      "--server",
      "localhost",
      "--serverport",
      String(caPort),
      "--ca_server",
      "localhost",
      "--ca_port",
      String(caPort),
      "--waitforcert",
      "0",
    ],
    { cwd: tmp, env: { ...process.env, HOME: tmp } },
  );
}

test.beforeAll(async () => {
  expect(caPort, "npm test gives the portal a PUPPET_CA_PORT").toBeGreaterThan(0);
  // A demo hierarchy in the portal's database (a no-op when pki.spec.ts made it already).
  const boot = await run(path.join(root, "node_modules/.bin/tsx"), ["scripts/cli.ts", "pki:dev-bootstrap", "--out", path.join(tmp, "offline")], { cwd: root });
  expect(boot.code, boot.out).toBe(0);
  const lead = await createLocalUser(getDb(), leader);
  await createOrg(getDb(), { name: slug, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  // The portal starts its Puppet CA listener once the puppet sub-CA exists.
  await waitForPort(caPort, 30_000);
});

test.afterAll(async () => {
  await closeDb();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("a leader pre-authorizes a host, and signs the request of another in the browser; both agents bootstrap", async ({ page }) => {
  test.setTimeout(180_000);
  const web = `web1.${domain}`;
  const db1 = `db1.${domain}`;
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${slug}/certificates`);
  await page.getByRole("navigation", { name: "Certificates" }).getByRole("link", { name: "Puppet agents" }).click();
  await expect(page.getByRole("heading", { name: "Puppet agents" })).toBeVisible();

  // Outside the org's domains: explained, no token.
  const form = page.getByRole("form", { name: "Pre-authorize a host" });
  await form.getByLabel("Certname").fill("web1.elsewhere.example.org");
  await form.getByRole("button", { name: "Create one-time token" }).click();
  await expect(form.getByText(`outside your organization's domains (${domain})`)).toBeVisible();

  await form.getByLabel("Certname").fill(web);
  await form.getByRole("button", { name: "Create one-time token" }).click();
  const token = (await page.getByLabel("Autosign token", { exact: true }).textContent())!.trim();
  expect(token.length).toBeGreaterThan(20);
  const snippet = (await page.getByLabel("csr_attributes.yaml", { exact: true }).textContent())!;
  expect(snippet).toBe(`custom_attributes:\n  1.2.840.113549.1.9.7: "${token}"\n`);
  await expect(page.getByText("/etc/puppetlabs/puppet/csr_attributes.yaml")).toBeVisible();
  await expect(page.getByRole("table", { name: "Outstanding tokens" }).getByRole("cell", { name: web, exact: true })).toBeVisible();

  // The host puts the snippet (plus a trusted fact) in place: signed at its first run.
  const a = await bootstrap(web, `${snippet}extension_requests:\n  pp_role: "webserver"\n`);
  expect(a.code, a.out).toBe(0);
  const cert = execFileSync("openssl", ["x509", "-in", path.join(tmp, web, "ssl", "certs", `${web}.pem`), "-noout", "-text"], { encoding: "utf8" });
  expect(cert).toMatch(/1\.3\.6\.1\.4\.1\.34380\.1\.1\.13:\s*\n\s*\.\.webserver/);

  // Another host without a token waits for a person.
  const b1 = await bootstrap(db1);
  expect(b1.code).not.toBe(0);
  expect(b1.out).toMatch(/Couldn't fetch certificate from CA server|sign this agent's certificate/i);

  await page.reload();
  const agents = page.getByRole("table", { name: "Puppet agents" });
  const webRow = agents.getByRole("row").filter({ hasText: web });
  await expect(webRow.getByText("Signed", { exact: true })).toBeVisible();
  await expect(webRow.getByLabel(`Extensions of ${web}`)).toContainText("pp_role");
  await expect(webRow.getByLabel(`Extensions of ${web}`)).toContainText("webserver");
  await expect(page.getByText("No outstanding tokens.")).toBeVisible();
  const dbRow = agents.getByRole("row").filter({ hasText: db1 });
  await expect(dbRow.getByText("Requested", { exact: true })).toBeVisible();
  await expect(dbRow.getByText(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)).toBeVisible();

  // Search by certname, then sign.
  await page.getByRole("searchbox", { name: "Search agents" }).fill("db1");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(agents.getByRole("row")).toHaveCount(2);
  await agents.getByRole("row").filter({ hasText: db1 }).getByRole("button", { name: "Sign", exact: true }).click();
  await expect(agents.getByRole("row").filter({ hasText: db1 }).getByText("Signed", { exact: true })).toBeVisible();

  const b2 = await bootstrap(db1);
  expect(b2.code, b2.out).toBe(0);
  expect(fs.existsSync(path.join(tmp, db1, "ssl", "certs", `${db1}.pem`))).toBe(true);
  await logout(page);
});
