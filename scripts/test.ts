/**
 * `npm test`: eslint, tsc, vitest, Playwright — against real PostgreSQL, slapd and
 * Chromium that this script installs/starts and stops. Last line: "N passed, N failed".
 *   ROOKERY_TEST_ONLY=lint,typecheck,vitest,e2e   run a subset
 *   PW_ARGS="--grep login"                         extra Playwright arguments
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDatabase, dropDatabase, testPostgres } from "@/test/support/postgres";
import { startTestUpstream } from "@/test/support/gentoo-tree";
import { startPortal } from "@/test/support/portal";
import { freePort } from "@/test/support/ports";
import { ldapEnv, startSlapd } from "@/test/support/slapd";
import { startMailSink } from "@/test/support/mail-sink";
import { ensureDebianPackages, testPackages } from "./system-deps";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name: string) => path.join(root, "node_modules/.bin", name);
const log = (l: string) => console.log(`\n[test] ${l}`);
const only = process.env.ROOKERY_TEST_ONLY?.split(",").map((s) => s.trim());
const wants = (suite: string) => !only || only.includes(suite);

type Result = { suite: string; passed: number; failed: number; skipped?: number };
const results: Result[] = [];
const cleanups: (() => Promise<void>)[] = [];

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
    p.on("exit", (code) => resolve(code ?? 1));
    p.on("error", () => resolve(127));
  });
}

async function pass(suite: string, cmd: string, args: string[]) {
  log(`${suite}: ${path.basename(cmd)} ${args.join(" ")}`);
  const code = await run(cmd, args);
  results.push({ suite, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 });
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-test-"));
  cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  ensureDebianPackages(testPackages, log);

  if (wants("lint")) {
    await pass("eslint", bin("eslint"), ["."]);
    await pass("prettier", bin("prettier"), ["--check", "--log-level=warn", "**/*.{ts,tsx,mjs,css}"]);
  }
  if (wants("typecheck")) await pass("typecheck", bin("tsc"), ["--noEmit"]);
  if (!wants("vitest") && !wants("e2e")) return;

  log("Starting PostgreSQL and slapd for the tests");
  const pg = await testPostgres();
  cleanups.push(pg.stop);
  const slapd = await startSlapd();
  cleanups.push(slapd.stop);
  const sharedEnv = { ROOKERY_TEST_ADMIN_URL: pg.adminUrl, ROOKERY_TEST_LDAP_URL: slapd.url, NEXT_TELEMETRY_DISABLED: "1" };

  if (wants("vitest")) {
    const out = path.join(tmp, "vitest.json");
    log("vitest");
    const code = await run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`], sharedEnv);
    const json = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number }>(out);
    results.push(
      json ?
        {
          suite: "vitest",
          passed: json.numPassedTests,
          failed: json.numFailedTests + (code !== 0 && json.numFailedTests === 0 ? 1 : 0),
          skipped: json.numPendingTests,
        }
      : { suite: "vitest", passed: 0, failed: 1 },
    );
  }

  if (wants("e2e")) {
    const distDir = process.env.NEXT_DIST_DIR || ".next";
    log(`next build (${distDir})`);
    if ((await run(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"])) !== 0) {
      results.push({ suite: "playwright", passed: 0, failed: 1 });
      return;
    }
    const db = await createDatabase(pg.adminUrl, "rookery_e2e");
    cleanups.unshift(() => dropDatabase(pg.adminUrl, db.name));
    const mail = await startMailSink(path.join(tmp, "mail"));
    cleanups.push(mail.stop);
    const dataDir = path.join(tmp, "data");
    // Gentoo for the e2e portal: the test tree to sync (over HTTP, like the real mirror) and its distfiles
    const upstreamDir = path.join(tmp, "upstream");
    fs.mkdirSync(upstreamDir, { recursive: true });
    const upstream = await startTestUpstream(upstreamDir);
    cleanups.push(upstream.close);
    const portalEnv = {
      PORTAGE_TREE_UPSTREAM: upstream.treeUrl,
      PORTAGE_TREE_UPSTREAM_BRANCH: "stable",
      DISTFILES_UPSTREAM_MIRRORS: upstream.mirrorUrl,
      ...ldapEnv(slapd.url),
      DATABASE_URL: db.url,
      ROOKERY_DATA_DIR: dataDir,
      ROOKERY_INPROCESS_WORKERS: "true",
      SMTP_URL: mail.url,
      // the Puppet CA listener of the portal, on a port of its own (e2e/puppet.spec.ts bootstraps an agent against it)
      PUPPET_CA_PORT: String(await freePort()),
      MAIL_FROM: "Rookery <rookery@rookery.test>",
    };
    log("Starting the portal for Playwright");
    const portal = await startPortal(portalEnv);
    cleanups.unshift(portal.stop);
    const out = path.join(tmp, "playwright.json");
    log("playwright");
    const extra = process.env.PW_ARGS ? process.env.PW_ARGS.split(" ").filter(Boolean) : [];
    const code = await run(bin("playwright"), ["test", ...extra], {
      ...sharedEnv,
      ...portalEnv,
      ROOKERY_E2E_URL: portal.url,
      ROOKERY_E2E_MAIL_DIR: mail.dir,
      // e2e/portage-tree.spec.ts commits to the test upstream and takes it offline for a while
      ROOKERY_E2E_UPSTREAM_DIR: upstreamDir,
      PW_JSON: out,
    });
    const json = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(out);
    results.push(
      json ?
        {
          suite: "playwright",
          passed: json.stats.expected + json.stats.flaky,
          failed: json.stats.unexpected + (code !== 0 && json.stats.unexpected === 0 ? 1 : 0),
          skipped: json.stats.skipped,
        }
      : { suite: "playwright", passed: 0, failed: 1 },
    );
  }
}

async function finish(error?: unknown) {
  if (error) {
    console.error(`[test] harness error: ${error instanceof Error ? error.stack : error}`);
    results.push({ suite: "harness", passed: 0, failed: 1 });
  }
  for (const c of cleanups) await c().catch((e) => console.error(`[test] cleanup: ${e.message}`));
  console.log("\n[test] Summary");
  for (const r of results) console.log(`  ${r.suite.padEnd(12)} ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ""}`);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

process.on("SIGINT", () => void finish(new Error("interrupted")));
main().then(() => finish(), finish);
