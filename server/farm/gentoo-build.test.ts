import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications } from "@/db/schema";
import { loadConfig } from "@/server/config";
import { testDatabase } from "@/test/support/db";
import type { FetchServer } from "@/test/support/fetch-server";
import { commitBuildProfiles, commitTestTree } from "@/test/support/gentoo-mirror";
import { startTestUpstream, testDistfiles, testTreeFiles, TEST_PORTAGE_PROFILE, type TestUpstream } from "@/test/support/gentoo-tree";
import { startJobWorker } from "@/test/support/job-worker";
import { portageMissing, portageSource } from "@/test/support/portage";
import { serveFarmPortal, startGentooRunner } from "@/test/support/gentoo-farm";
import { waitFor, type RunnerProcess } from "@/test/support/runner";
import { gentooSandbox } from "@/runner/gentoo";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { queues, stopBoss } from "@/server/jobs";
import { getJob, getPipeline } from "@/server/runners/pipelines";
import { readLog } from "@/server/runners/queue";
import { generateSigningKey } from "@/server/pki/gpg";
import { binhostRoot } from "./binhost";
import { ensureFarmDefaults } from "./catalog";
import { targetHistory } from "./history";
import { startFarmBuild } from "./pipeline";

/**
 * The whole chain with real portage: the farm generates the job, a runner with the gentoo
 * executor fetches the tree from the portal with the job's credentials and runs a real
 * `emerge --buildpkg`, the portal publishes the packages, and a second real emerge in a fresh
 * sandbox installs them from the binhost with --getbinpkgonly, and the program runs.
 */
const skip = portageMissing();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-gentoo-build-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-gentoo-build-work-"));
const db = testDatabase({
  ROOKERY_DATA_DIR: dataDir,
  AUTH_SECRET: "gentoo-build-test-secret-0123456789",
  ROOKERY_ENCRYPTION_KEY: crypto.randomBytes(32).toString("base64"),
  RUNNER_LEASE_SECONDS: "30",
  RUNNER_HEARTBEAT_SECONDS: "2",
});
let portal: FetchServer;
let upstream: TestUpstream;
let runner: RunnerProcess;
let worker: { stop: () => Promise<void> };
let portage: string;
let treeCommit = "";

const profileYaml = (lines: string[]) => lines.join("\n") + "\n";

beforeAll(async () => {
  if (skip) return;
  portage = portageSource();
  portal = await serveFarmPortal();

  // Gentoo's side: the distfiles mirror the ebuilds' sources come from
  const distfiles = testDistfiles();
  upstream = await startTestUpstream(work, distfiles);
  const mirror = upstream.mirrorUrl;
  // builds fetch through Rookery's distfiles mirror (GENTOO_MIRRORS is the portal), which asks this upstream once per file
  process.env.DISTFILES_UPSTREAM_MIRRORS = mirror;
  loadConfig();

  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  treeCommit = await commitTestTree(db(), ["development"], testTreeFiles(distfiles));

  await commitBuildProfiles(
    db(),
    {
      "profiles/linux.yaml": profileYaml([
        "kind: system",
        "description: The test tree's base",
        `portageProfile: ${TEST_PORTAGE_PROFILE}`,
        "architectures: [amd64]",
        "make:",
        '  FEATURES: "buildpkg binpkg-multi-instance -news"',
        '  BINPKG_COMPRESS: "xz"',
        "packages:",
        "  - app-misc/hello",
      ]),
      "profiles/broken.yaml": profileYaml([
        "kind: application",
        "inherits: linux",
        "description: A package that does not build",
        "packages:",
        "  - app-misc/broken",
      ]),
      "profiles/greeter.yaml": profileYaml([
        "kind: application",
        "inherits: linux",
        "description: Greets at login",
        "packages:",
        "  - app-admin/greeter",
        "use:",
        "  app-misc/hello: loud",
      ]),
    },
    "Profiles of the test tree",
  );

  worker = await startJobWorker([queues.buildJobFinished]);
  runner = await startGentooRunner(db(), portal, portage, work);
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await worker?.stop();
  await stopBoss();
  await portal?.close();
  await upstream?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const logOf = async (jobId: string) => Buffer.concat((await readLog(db(), jobId, { attempt: 0, offset: 0 }, 100_000)).map((c) => c.data)).toString();

async function build(profile: string) {
  const p = await startFarmBuild(db(), { environment: "development", arch: "amd64", profile, variant: "clean" }, null);
  const jobId = (await getPipeline(db(), p.id))!.jobs[0].id;
  const job = await waitFor(
    `the build of ${profile}`,
    async () => {
      const j = await getJob(db(), jobId);
      return j && ["success", "failed", "canceled"].includes(j.status) ? j : null;
    },
    240_000,
    500,
  );
  return { job, log: await logOf(jobId) };
}

const packagesOf = async (profile: string) => {
  const r = await fetch(`${portal.url}/packages/development/gentoo/amd64/${profile}/Packages`);
  return r.status === 200 ? r.text() : null;
};

/** Runs a script in a fresh gentoo sandbox (a client host with nothing installed), as the runner would. */
function inFreshSandbox(script: string, files: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const jobRoot = fs.mkdtempSync(path.join(work, "client-"));
  const workspace = path.join(jobRoot, "workspace");
  fs.mkdirSync(workspace);
  const spawnStep = gentooSandbox({ jobRoot, workspace, portage });
  for (const [file, content] of Object.entries(files)) {
    const onHost = path.join(jobRoot, file.replace(/^\/etc\/portage\//, "etc-portage/").replace(/^\//, ""));
    fs.mkdirSync(path.dirname(onHost), { recursive: true });
    fs.writeFileSync(onHost, content);
  }
  const child = spawnStep(script, {});
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

/** A new host with the test tree, configured for the given binhosts (most specific first), installs one package from them only. */
function installFromBinhosts(
  profiles: string[],
  atom: string,
  run: string,
  opts: { features?: string; files?: Record<string, string>; before?: string[] } = {},
) {
  const base = `${portal.url}/packages/development/gentoo/amd64`;
  const binrepos = profiles.map((p, i) => `[${p}]\npriority = ${(profiles.length - i) * 10}\nsync-uri = ${base}/${p}\nverify-signature = ${!!opts.features}\n`);
  const files = {
    ...Object.fromEntries(Object.entries(testTreeFiles()).map(([f, c]) => [`/var/db/repos/gentoo/${f}`, c])),
    "/etc/portage/make.conf": `FEATURES="-news ${opts.features ?? ""}"\nBINPKG_FORMAT="gpkg"\n`,
    "/etc/portage/repos.conf/gentoo.conf": "[DEFAULT]\nmain-repo = gentoo\n[gentoo]\nlocation = /var/db/repos/gentoo\n",
    "/etc/portage/binrepos.conf/rookery.conf": binrepos.join("\n"),
    ...opts.files,
  };
  const script = [
    ...(opts.before ?? []),
    `ln -sfn ../../var/db/repos/gentoo/profiles/${TEST_PORTAGE_PROFILE} /etc/portage/make.profile`,
    `emerge --getbinpkgonly --color=n ${atom}`,
    run,
  ];
  return inFreshSandbox(script.join("\n"), files);
}

const digest = (alg: string, data: Buffer) => crypto.createHash(alg).update(data).digest("hex");

describe.skipIf(skip)("real Gentoo builds", () => {
  it("builds the base profile with real emerge on a gentoo runner and publishes what it built", { timeout: 300_000 }, async () => {
    const { job, log } = await build("linux");
    expect(job.status, log.slice(-4000)).toBe("success");
    expect(log).toContain(">>> Emerging (1 of 2) dev-libs/libgreet-1.0::gentoo");
    expect(log).toContain(">>> Emerging (2 of 2) app-misc/hello-1.0::gentoo");
    const index = await waitFor("the linux binhost", () => packagesOf("linux"), 30_000);
    expect(index).toContain("CPV: app-misc/hello-1.0\n");
    expect(index).toContain("CPV: dev-libs/libgreet-1.0\n");
    const [last] = (await targetHistory(db(), { environment: "development", arch: "amd64", profile: "linux" })).builds;
    expect(last.treeCommit).toBe(treeCommit); // the build names the tree commit it was pinned to
    expect(upstream.fetches.filter((f) => f.endsWith(".tar.gz")).sort()).toEqual(["hello-1.0.tar.gz", "libgreet-1.0.tar.gz"]);
  });

  it(
    "builds the application profile on its parent's binhost: what the parent publishes identically is not built or published again, a USE change is",
    { timeout: 300_000 },
    async () => {
      const { job, log } = await build("greeter");
      expect(job.status, log.slice(-4000)).toBe("success");
      expect(log).toContain(">>> Emerging binary (1 of 3) dev-libs/libgreet-1.0::gentoo");
      expect(log).toContain(">>> Emerging (2 of 3) app-misc/hello-1.0::gentoo"); // USE=loud here
      expect(log).toContain(">>> Emerging (3 of 3) app-admin/greeter-1.0::gentoo");
      const index = (await waitFor("the greeter binhost", () => packagesOf("greeter"), 30_000))!;
      expect(index).toContain("CPV: app-admin/greeter-1.0\n");
      expect(index).toMatch(/CPV: app-misc\/hello-1\.0\n[^]*?USE: amd64 loud\n/);
      expect(index).not.toContain("CPV: dev-libs/libgreet");
      // hello was built again from source in a clean rootfs: its tarball came from Rookery's distfiles store, not upstream
      expect(upstream.fetches.filter((f) => f === "hello-1.0.tar.gz")).toEqual(["hello-1.0.tar.gz"]);
    },
  );

  it("a package that fails to build fails the job, names the package and the log line to the admins, and publishes nothing", { timeout: 300_000 }, async () => {
    const { job, log } = await build("broken");
    expect(job.status).toBe("failed");
    expect(log).toContain("* ERROR: app-misc/broken-1.0::gentoo failed (compile phase):");
    const notice = await waitFor("the failure notice", async () => {
      const [n] = await db().select().from(notifications).where(eq(notifications.kind, "farm.build_failed"));
      return n;
    });
    expect(notice.title).toBe("Build of broken (development/amd64) failed at app-misc/broken-1.0");
    expect(notice.link).toMatch(new RegExp(`^/jobs/${job.id}#L\\d+$`));
    expect(await packagesOf("broken")).toBeNull();
  });

  it("fresh hosts install from the binhosts with --getbinpkgonly, each stack with its own USE, and the programs run", { timeout: 300_000 }, async () => {
    const greeterHost = await installFromBinhosts(["greeter", "linux"], "app-admin/greeter", "PATH=$PATH:/target/usr/bin greeter");
    expect(greeterHost.code, greeterHost.output.slice(-4000)).toBe(0);
    expect(greeterHost.output).toContain("greeter says: HELLO FROM ROOKERY");
    expect(greeterHost.output).not.toMatch(/>>> Emerging \(/); // nothing built from source
    const baseHost = await installFromBinhosts(["linux"], "app-misc/hello", "/target/usr/bin/hello");
    expect(baseHost.code, baseHost.output.slice(-4000)).toBe(0);
    expect(baseHost.output).toContain("hello from rookery");
  });

  it(
    "with a signing key the packages are signed: a host that requires signatures installs them, and refuses a tampered one",
    { timeout: 300_000 },
    async () => {
      const key = await generateSigningKey(db(), "development", null);
      const { job, log } = await build("linux");
      expect(job.status, log.slice(-4000)).toBe("success");
      const live = path.join(binhostRoot(), "development/gentoo/amd64/linux");
      const file = path.join(live, "app-misc/hello/hello-1.0-1.gpkg.tar");
      await waitFor("the signed publication", async () => fs.existsSync(file) && fs.readFileSync(file).includes("BEGIN PGP SIGNED MESSAGE"), 30_000);
      const trust = [
        "install -d -m 0700 /etc/portage/gnupg",
        "gpg --homedir /etc/portage/gnupg --batch --quiet --import /etc/portage/rookery.asc",
        `echo '${key.fingerprint}:6:' | gpg --homedir /etc/portage/gnupg --batch --import-ownertrust`,
        "gpg --homedir /etc/portage/gnupg --batch --check-trustdb",
        "chmod -R a+rX /etc/portage/gnupg",
      ];
      const signed = { features: "binpkg-request-signature", files: { "/etc/portage/rookery.asc": key.publicKey }, before: trust };
      const ok = await installFromBinhosts(["linux"], "app-misc/hello", "/target/usr/bin/hello", signed);
      expect(ok.code, ok.output.slice(-4000)).toBe(0);
      expect(ok.output).toContain("hello from rookery");

      // A compromised mirror: the package's Manifest changed and the index updated to match; only the signature can tell.
      const bytes = fs.readFileSync(file);
      const at = bytes.indexOf("DATA image.tar");
      expect(at).toBeGreaterThan(0);
      bytes.write("DATA image.taR", at, "latin1");
      const indexFile = path.join(live, "Packages");
      const index = fs.readFileSync(indexFile, "utf8");
      const stanza = index.split("\n\n").find((st) => st.includes("PATH: app-misc/hello/hello-1.0-1.gpkg.tar"))!;
      const forged = stanza.replace(/^MD5: .*$/m, `MD5: ${digest("md5", bytes)}`).replace(/^SHA1: .*$/m, `SHA1: ${digest("sha1", bytes)}`);
      fs.rmSync(file); // the published file is a hard link into the publication: replace, do not write through
      fs.writeFileSync(file, bytes);
      fs.rmSync(indexFile);
      fs.writeFileSync(indexFile, index.replace(stanza, forged));
      fs.rmSync(`${indexFile}.gz`, { force: true });
      const refused = await installFromBinhosts(["linux"], "app-misc/hello", "/target/usr/bin/hello", signed);
      expect(refused.code).not.toBe(0);
      expect(refused.output).toMatch(/verification failed/i);
      expect(refused.output).not.toContain("hello from rookery");
    },
  );
});
