import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "./ports";

export const LDAP_BASE = "dc=rookery,dc=test";
export const LDAP_ADMIN_DN = `cn=admin,${LDAP_BASE}`;
export const LDAP_ADMIN_PASSWORD = "admin-secret";
export const LDAP_SERVICE_DN = `cn=rookery,ou=services,${LDAP_BASE}`;
export const LDAP_SERVICE_PASSWORD = "service-secret";

export type Slapd = { url: string; port: number; dir: string; stop: () => Promise<void> };

const fixture = path.resolve(import.meta.dirname, "../fixtures/directory.ldif");

/**
 * A private slapd on a random 127.0.0.1 port, loaded with the fixture directory plus
 * `extraLdif` (entries below the fixture's tree, e.g. a generated directory for the bench).
 */
export async function startSlapd(opts: { extraLdif?: string } = {}): Promise<Slapd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-slapd-"));
  fs.mkdirSync(path.join(dir, "db"));
  const conf = path.join(dir, "slapd.conf");
  fs.writeFileSync(
    conf,
    [
      "include /etc/ldap/schema/core.schema",
      "include /etc/ldap/schema/cosine.schema",
      "include /etc/ldap/schema/inetorgperson.schema",
      "include /etc/ldap/schema/nis.schema",
      `pidfile ${dir}/slapd.pid`,
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      "database mdb",
      `suffix "${LDAP_BASE}"`,
      `rootdn "${LDAP_ADMIN_DN}"`,
      `rootpw ${LDAP_ADMIN_PASSWORD}`,
      `directory ${dir}/db`,
      "maxsize 104857600",
      "access to attrs=userPassword by self write by anonymous auth by * none",
      "access to * by users read by * none",
      "",
    ].join("\n"),
  );
  const add = spawnSync("slapadd", ["-f", conf, "-l", fixture], { encoding: "utf8" });
  if (add.status !== 0) throw new Error(`slapadd failed: ${add.stderr}`);
  if (opts.extraLdif) {
    const extra = path.join(dir, "extra.ldif");
    fs.writeFileSync(extra, opts.extraLdif);
    // -q: skip per-entry checks, which matters for directories with thousands of entries.
    const more = spawnSync("slapadd", ["-q", "-f", conf, "-l", extra], { encoding: "utf8" });
    if (more.status !== 0) throw new Error(`slapadd of the extra entries failed: ${more.stderr}`);
  }
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn("slapd", ["-d", "0", "-h", `${url}/`, "-f", conf], { stdio: "ignore" });
  await waitForPort(port);
  return {
    url,
    port,
    dir,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Applies an LDIF change to a running test slapd, as an operator would with ldapmodify. */
export function ldapModify(url: string, ldif: string) {
  const r = spawnSync("ldapmodify", ["-x", "-H", url, "-D", LDAP_ADMIN_DN, "-w", LDAP_ADMIN_PASSWORD], {
    input: ldif,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`ldapmodify failed: ${r.stderr}`);
}

/** The environment that points Rookery at a test slapd. */
export function ldapEnv(url: string): Record<string, string> {
  return {
    LDAP_URL: url,
    LDAP_BIND_DN: LDAP_SERVICE_DN,
    LDAP_BIND_PASSWORD: LDAP_SERVICE_PASSWORD,
    LDAP_BASE_DN: LDAP_BASE,
  };
}
