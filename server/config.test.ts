import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

const base = { PATH: process.env.PATH };

describe("configuration", () => {
  it("has working defaults for the embedded setup", () => {
    const cfg = loadConfig({ ...base });
    expect(cfg.port).toBe(3000);
    expect(cfg.databaseUrl).toBeUndefined();
    expect(cfg.inProcessWorkers).toBe(true);
    expect(cfg.ldap).toBeNull();
    expect(cfg.internalUrl).toBe("http://127.0.0.1:3000");
  });

  it("derives the LDAP layout from the base DN and keeps every part overridable", () => {
    const cfg = loadConfig({ ...base, LDAP_URL: "ldap://dir:389", LDAP_BASE_DN: "dc=rabe,dc=ch", LDAP_ORG_BASE: "ou=customers,dc=rabe,dc=ch" });
    expect(cfg.ldap).toMatchObject({ peopleBase: "ou=people,dc=rabe,dc=ch", orgBase: "ou=customers,dc=rabe,dc=ch", userAttr: "uid", startTls: false });
    expect(loadConfig({ ...base, LDAP_URL: "ldaps://dir", LDAP_STARTTLS: "true" }).ldap?.startTls).toBe(true);
  });

  it("names the variable in a one-line error", () => {
    expect(() => loadConfig({ ...base, LDAP_URL: "http://dir" })).toThrow(
      new ConfigError("Invalid configuration: LDAP_URL must look like ldap://host:389 or ldaps://host:636"),
    );
    expect(() => loadConfig({ ...base, LDAP_URL: "ldap://dir", LDAP_BIND_DN: "cn=x" })).toThrow(/LDAP_BIND_PASSWORD is required when LDAP_BIND_DN is set/);
    expect(() => loadConfig({ ...base, PORT: "99999" })).toThrow(/^Invalid configuration: PORT/);
    expect(() => loadConfig({ ...base, DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL must be a postgres:\/\/ URL/);
    expect(() => loadConfig({ ...base, DISTFILES_UPSTREAM_MIRRORS: "https://a.example rsync://b.example" })).toThrow(
      new ConfigError("Invalid configuration: DISTFILES_UPSTREAM_MIRRORS must be space-separated http(s):// base URLs"),
    );
  });

  it("reads the distfiles mirror's upstreams (trailing slashes dropped) and retention", () => {
    expect(loadConfig({ ...base }).distfiles).toMatchObject({ upstreams: ["https://distfiles.gentoo.org"], retentionDays: 90, pruneCron: "15 4 * * *" });
    const cfg = loadConfig({ ...base, DISTFILES_UPSTREAM_MIRRORS: " https://a.example/gentoo/  http://b.example ", DISTFILES_RETENTION_DAYS: "7" });
    expect(cfg.distfiles).toMatchObject({ upstreams: ["https://a.example/gentoo", "http://b.example"], retentionDays: 7 });
  });

  it("follows Gentoo's git mirror of the portage tree unless told otherwise", () => {
    expect(loadConfig({ ...base }).portageTree).toEqual({
      upstream: "https://github.com/gentoo-mirror/gentoo.git",
      branch: "stable",
      cron: "20 */4 * * *",
      timeoutMs: 3_600_000,
      glsaScanCron: "40 5 * * *",
    });
    expect(loadConfig({ ...base, PORTAGE_TREE_UPSTREAM: "" }).portageTree.upstream).toBeNull();
    expect(() => loadConfig({ ...base, PORTAGE_TREE_UPSTREAM: "file:///srv/gentoo" })).toThrow(
      new ConfigError("Invalid configuration: PORTAGE_TREE_UPSTREAM must be an http(s):// or git:// URL, or empty to turn syncing off"),
    );
    expect(() => loadConfig({ ...base, PORTAGE_TREE_UPSTREAM_BRANCH: "--upload-pack=x" })).toThrow(/PORTAGE_TREE_UPSTREAM_BRANCH must be a branch name/);
  });

  it("stops `npm start` with that one line and a non-zero exit", () => {
    const root = path.resolve(import.meta.dirname, "..");
    const r = spawnSync(path.join(root, "node_modules/.bin/tsx"), ["scripts/start.ts"], {
      cwd: root,
      encoding: "utf8",
      env: { ...base, LDAP_URL: "not-a-url", ROOKERY_DATA_DIR: "/nonexistent-rookery" } as unknown as NodeJS.ProcessEnv,
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("Invalid configuration: LDAP_URL must look like ldap://host:389 or ldaps://host:636");
  });
});
