import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts, farmStages } from "@/db/schema";
import { loadConfig } from "@/server/config";
import { testDatabase } from "@/test/support/db";
import type { FetchServer } from "@/test/support/fetch-server";
import { commitBuildProfiles, commitTestTree } from "@/test/support/gentoo-mirror";
import { startTestUpstream, testDistfiles, testTreeFiles, TEST_PORTAGE_PROFILE, type TestUpstream } from "@/test/support/gentoo-tree";
import { startJobWorker } from "@/test/support/job-worker";
import { portageMissing, portageSource } from "@/test/support/portage";
import { serveFarmPortal, startGentooRunner } from "@/test/support/gentoo-farm";
import { waitFor, type RunnerProcess } from "@/test/support/runner";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { queues, stopBoss } from "@/server/jobs";
import { getJob, getPipeline } from "@/server/runners/pipelines";
import { readLog } from "@/server/runners/queue";
import { artifactFile } from "@/server/runners/artifacts";
import { generateSigningKey, type SigningKeyInfo } from "@/server/pki/gpg";
import { ensureFarmDefaults } from "./catalog";
import { startFarmBuild } from "./pipeline";
import { STAGE_ARTIFACTS } from "./stage-job";
import { latestStage, publishStage, StageRefusedError, stagesRoot, startStageBuild } from "./stages";

/**
 * Stages from the farm with real portage: the base profile is built and published (signed) as
 * a binhost, then a stage job on a gentoo runner assembles a root from that binhost with
 * `emerge --usepkgonly --getbinpkg --root=/target/stage`, packs it and writes DIGESTS; the
 * portal verifies, signs and publishes it, and what it serves checks out with sha512sum,
 * b2sum and gpg --verify.
 */
const skip = portageMissing();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-stages-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-stages-work-"));
const db = testDatabase({
  ROOKERY_DATA_DIR: dataDir,
  AUTH_SECRET: "stages-test-secret-0123456789abcdef",
  ROOKERY_ENCRYPTION_KEY: crypto.randomBytes(32).toString("base64"),
  RUNNER_LEASE_SECONDS: "30",
  RUNNER_HEARTBEAT_SECONDS: "2",
});
let portal: FetchServer;
let upstream: TestUpstream;
let runner: RunnerProcess;
let worker: { stop: () => Promise<void> };
let key: SigningKeyInfo;

const target = { environment: "development", arch: "amd64", name: "linux" };

beforeAll(async () => {
  if (skip) return;
  const portage = portageSource();
  portal = await serveFarmPortal();
  const distfiles = testDistfiles();
  upstream = await startTestUpstream(work, distfiles);
  process.env.DISTFILES_UPSTREAM_MIRRORS = upstream.mirrorUrl;
  loadConfig();
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  await commitTestTree(db(), ["development"], testTreeFiles(distfiles));
  await commitBuildProfiles(
    db(),
    {
      "profiles/linux.yaml": [
        "kind: system",
        "description: The test tree's base",
        `portageProfile: ${TEST_PORTAGE_PROFILE}`,
        "architectures: [amd64]",
        "make:",
        '  FEATURES: "buildpkg binpkg-multi-instance -news"',
        '  BINPKG_COMPRESS: "xz"',
        "packages:",
        "  - app-misc/hello",
        "",
      ].join("\n"),
    },
    "Profiles of the test tree",
  );
  key = await generateSigningKey(db(), "development", null);
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

async function finished(pipelineId: string) {
  const jobId = (await getPipeline(db(), pipelineId))!.jobs[0].id;
  const job = await waitFor(
    "the job",
    async () => {
      const j = await getJob(db(), jobId);
      return j && ["success", "failed", "canceled"].includes(j.status) ? j : null;
    },
    180_000,
    500,
  );
  return { job, log: await logOf(jobId) };
}

async function download(url: string, file: string) {
  const r = await fetch(url);
  expect(r.status, url).toBe(200);
  fs.writeFileSync(file, Buffer.from(await r.arrayBuffer()));
}

/** The lines of one `# <ALG> HASH` block of a DIGESTS file, as `sha512sum -c` / `b2sum -c` read them. */
function block(digests: string, alg: string) {
  const lines = digests.split("\n");
  const at = lines.indexOf(`# ${alg} HASH`);
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.startsWith("#") || !l) break;
    out.push(l);
  }
  return out.join("\n") + "\n";
}

describe.skipIf(skip)("stages from the farm", () => {
  let published: typeof farmStages.$inferSelect;

  it(
    "assembles a stage3 from the signed binhost with real emerge, publishes it, and sha512sum, b2sum and gpg --verify accept what is served",
    { timeout: 300_000 },
    async () => {
      const build = await finished((await startFarmBuild(db(), { environment: "development", arch: "amd64", profile: "linux", variant: "clean" }, null)).id);
      expect(build.job.status, build.log.slice(-3000)).toBe("success");
      await waitFor("the linux binhost", async () => (await fetch(`${portal.url}/packages/development/gentoo/amd64/linux/Packages`)).status === 200, 30_000);

      const stage = await finished((await startStageBuild(db(), { environment: "development", arch: "amd64", profile: "linux" }, null)).id);
      expect(stage.job.status, stage.log.slice(-3000)).toBe("success");
      expect(stage.log).toContain(">>> Emerging binary (1 of 2) dev-libs/libgreet-1.0::gentoo");
      expect(stage.log).toContain(">>> Emerging binary (2 of 2) app-misc/hello-1.0::gentoo");
      expect(stage.log).not.toMatch(/>>> Emerging \(/); // nothing built from source
      published = await waitFor("the published stage", () => latestStage(db(), target), 30_000, 250);
      expect(published.fileName).toMatch(/^stage3-amd64-linux-\d{8}T\d{6}Z\.tar\.xz$/);
      expect(published.signingKey).toBe(key.fingerprint);

      const base = `${portal.url}/stages/development/amd64/linux`;
      const pointer = await (await fetch(`${base}/latest-stage3.txt`)).text();
      expect(pointer).toMatch(new RegExp(`^# Latest as of .*\\n# ts=\\d+\\n${published.fileName.replace(/\./g, "\\.")} ${published.bytes}\\n$`));
      const redirect = await fetch(`${base}/latest.tar.xz`, { redirect: "manual" });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get("location")).toBe(`/stages/development/amd64/linux/${published.fileName}`);
      const listing = await (await fetch(`${base}/`)).text();
      expect(listing).toContain(`${published.fileName}.DIGESTS`);

      const dir = fs.mkdtempSync(path.join(work, "download-"));
      const name = published.fileName;
      for (const f of [name, `${name}.DIGESTS`, `${name}.asc`, `${name}.DIGESTS.asc`]) await download(`${base}/${f}`, path.join(dir, f));
      const digests = fs.readFileSync(path.join(dir, `${name}.DIGESTS`), "utf8");
      expect(digests).toMatch(
        new RegExp(`^# BLAKE2B HASH\\n[0-9a-f]{128}  ${name.replace(/\./g, "\\.")}\\n# SHA512 HASH\\n[0-9a-f]{128}  ${name.replace(/\./g, "\\.")}\\n$`),
      );
      for (const [tool, alg] of [
        ["sha512sum", "SHA512"],
        ["b2sum", "BLAKE2B"],
      ]) {
        const check = spawnSync(tool, ["-c", "--strict", "-"], { cwd: dir, input: block(digests, alg), encoding: "utf8" });
        expect(check.status, check.stderr).toBe(0);
        expect(check.stdout).toBe(`${name}: OK\n`);
      }
      const home = fs.mkdtempSync(path.join(work, "gnupg-"));
      fs.chmodSync(home, 0o700);
      execFileSync("gpg", ["--homedir", home, "--batch", "--quiet", "--import"], { input: key.publicKey });
      for (const [sig, data] of [
        [`${name}.asc`, name],
        [`${name}.DIGESTS.asc`, `${name}.DIGESTS`],
      ]) {
        const verify = spawnSync("gpg", ["--homedir", home, "--batch", "--status-fd", "1", "--verify", sig, data], { cwd: dir, encoding: "utf8" });
        expect(verify.status, verify.stderr).toBe(0);
        expect(verify.stdout).toContain(`[GNUPG:] VALIDSIG ${key.fingerprint}`);
      }
      execFileSync("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]);

      // the stage is a root: the program it installed runs, and its portage config points at the binhost
      const root = fs.mkdtempSync(path.join(work, "root-"));
      execFileSync("tar", ["-C", root, "-xJf", path.join(dir, name)]);
      expect(execFileSync(path.join(root, "usr/bin/hello"), { encoding: "utf8" })).toBe("hello from rookery\n");
      expect(fs.readFileSync(path.join(root, "etc/portage/binrepos.conf/rookery.conf"), "utf8")).toContain(
        `sync-uri = ${portal.url}/packages/development/gentoo/amd64/linux`,
      );
      expect(fs.existsSync(path.join(root, "var/db/pkg/app-misc/hello-1.0"))).toBe(true);
    },
  );

  it("a DIGESTS that does not match the tarball is refused: nothing is published and latest stays", { timeout: 60_000 }, async () => {
    const [tarball] = await db()
      .select()
      .from(buildArtifacts)
      .where(and(eq(buildArtifacts.jobId, published.jobId!), eq(buildArtifacts.name, `${STAGE_ARTIFACTS}/${published.fileName}`)));
    const stamp = "29991231T000000Z";
    const name = `stage3-amd64-linux-${stamp}.tar.xz`;
    const good = crypto
      .createHash("sha512")
      .update(fs.readFileSync(artifactFile(tarball.storageKey)))
      .digest("hex");
    const tampered = path.join(work, "tampered.DIGESTS");
    // right SHA512, a forged BLAKE2B: each algorithm is checked
    fs.writeFileSync(tampered, `# BLAKE2B HASH\n${"0".repeat(128)}  ${name}\n# SHA512 HASH\n${good}  ${name}\n`);
    const attempt = publishStage(db(), { ...target, kind: "stage3", stamp, tarball: artifactFile(tarball.storageKey), digests: tampered });
    await expect(attempt).rejects.toThrow(StageRefusedError);
    await expect(attempt).rejects.toThrow(/does not match its DIGESTS \(BLAKE2B\)/);
    fs.writeFileSync(tampered, `# SHA512 HASH\n${good}  ${name}\n`);
    await expect(publishStage(db(), { ...target, kind: "stage3", stamp, tarball: artifactFile(tarball.storageKey), digests: tampered })).rejects.toThrow(
      /lack its BLAKE2B digest/,
    );
    expect((await latestStage(db(), target))?.id).toBe(published.id);
    expect(fs.readdirSync(path.join(stagesRoot(), "development/amd64/linux")).filter((f) => f.includes(stamp))).toEqual([]);
    expect((await fetch(`${portal.url}/stages/development/amd64/linux/${name}`)).status).toBe(404);
  });

  it("a stage job that fails publishes nothing and latest stays", { timeout: 180_000 }, async () => {
    const p = await startStageBuild(db(), { environment: "development", arch: "amd64", profile: "linux" }, null, (spec) => ({
      ...spec,
      steps: spec.steps.map((s) => (s.name === "pack" ? { ...s, script: [...s.script, "echo 'the disk is full' >&2", "exit 1"] } : s)),
    }));
    const { job } = await finished(p.id);
    expect(job.status).toBe("failed");
    await new Promise((r) => setTimeout(r, 2000)); // the worker has seen the end
    const rows = await db().select().from(farmStages);
    expect(rows.map((r) => r.id)).toEqual([published.id]);
    expect((await latestStage(db(), target))?.id).toBe(published.id);
    const pointer = await (await fetch(`${portal.url}/stages/development/amd64/linux/latest-stage3.txt`)).text();
    expect(pointer).toContain(`${published.fileName} ${published.bytes}`);
  });
});
