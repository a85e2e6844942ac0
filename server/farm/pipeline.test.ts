import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { commitTestTree } from "@/test/support/gentoo-mirror";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { makeGpkg } from "@/test/support/gpkg";
import { startJobWorker } from "@/test/support/job-worker";
import { busyboxRootfs, registerRunnerCli, startRunnerProcess, waitFor, type RunnerProcess } from "@/test/support/runner";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { repoDir } from "@/server/git/paths";
import { queues, stopBoss } from "@/server/jobs";
import { handleRunnerApi } from "@/server/runners/http";
import { getJob, getPipeline } from "@/server/runners/pipelines";
import { createRegistrationToken } from "@/server/runners/registration";
import { readLog } from "@/server/runners/queue";
import { createLocalUser } from "@/server/users";
import { listBuilds } from "./builds";
import { ensureFarmDefaults } from "./catalog";
import type { JobSpec } from "./index";
import { buildMatrix, targetHistory } from "./history";
import { runnerJobName, startFarmBuild, toRunnerJob } from "./pipeline";
import { loadBranchProfiles } from "./repo";
import { serveBinhost } from "./serve";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-farm-pipeline-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-farm-pipeline-work-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "https://rookery.example.com", RUNNER_LEASE_SECONDS: "5", RUNNER_HEARTBEAT_SECONDS: "1" });
let server: FetchServer;
let runner: RunnerProcess;
let worker: { stop: () => Promise<void> };

beforeAll(async () => {
  server = await serveFetch(async (req) => {
    const p = new URL(req.url).pathname;
    if (p.startsWith("/api/runner/v1/")) return handleRunnerApi(req, p.slice("/api/runner/v1/".length).split("/"));
    if (p.startsWith("/packages/")) return serveBinhost(req, { kind: "anonymous" }, p.slice("/packages/".length).split("/"));
    return new Response("not found", { status: 404 });
  });
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  await commitTestTree(db(), ["development", "staging", "production"]);
  await loadBranchProfiles(db());
  worker = await startJobWorker([queues.buildJobFinished]);

  // A "Gentoo" build host for the test: busybox rootfs with the fixture packages a build would produce.
  const rootfs = busyboxRootfs(path.join(work, "rootfs"));
  const fixtures = path.join(rootfs, "fixtures");
  fs.mkdirSync(fixtures);
  makeGpkg(fixtures, { category: "sys-libs", pf: "zlib-1.3.1", buildId: 1 });
  makeGpkg(fixtures, { category: "app-shells", pf: "bash-5.2_p37", buildId: 1 });
  const admin = await createLocalUser(db(), { username: "farm-admin", password: "Admin-password-1", isAdmin: true });
  const { token } = await createRegistrationToken(db(), { description: "farm test", createdBy: admin.id });
  const config = path.join(work, "runner.json");
  const reg = await registerRunnerCli([
    "--url",
    server.url,
    "--token",
    token,
    "--name",
    "gentoo-amd64",
    "--arch",
    "amd64",
    "--tags",
    "gentoo",
    "--executor",
    "bwrap",
    "--rootfs",
    `amd64=${rootfs}`,
    "--config",
    config,
    "--builds-dir",
    path.join(work, "builds"),
  ]);
  expect(reg.status, reg.stderr).toBe(0);
  runner = startRunnerProcess(config);
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await worker?.stop();
  await stopBoss();
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

/** The generated build with its emerge steps replaced by copying the fixture packages (no Gentoo tree on CI). */
const fixtureBuild =
  (extra: string[] = []) =>
  (spec: JobSpec): JobSpec => ({
    ...spec,
    steps: [
      { name: "Show the generated configuration", script: ["cat /etc/portage/make.conf", "cat /etc/portage/binrepos.conf/rookery.conf 2>/dev/null || true"] },
      {
        name: "Fixture build",
        script: [
          "mkdir -p /var/cache/binpkgs/sys-libs/zlib /var/cache/binpkgs/app-shells/bash",
          "cp /fixtures/zlib-1.3.1-1.gpkg.tar /var/cache/binpkgs/sys-libs/zlib/",
          "cp /fixtures/bash-5.2_p37-1.gpkg.tar /var/cache/binpkgs/app-shells/bash/",
          ...extra,
        ],
      },
    ],
  });

const finished = (jobId: string) =>
  waitFor(
    "the build job to finish",
    async () => {
      const j = await getJob(db(), jobId);
      return j && ["success", "failed", "canceled"].includes(j.status) ? j : null;
    },
    60_000,
  );

const logOf = async (jobId: string) => Buffer.concat((await readLog(db(), jobId, { attempt: 0, offset: 0 }, 10_000)).map((c) => c.data)).toString();
const packagesUrl = () => `${server.url}/packages/development/gentoo/amd64/linux/Packages`;

describe("farm builds on the job engine", () => {
  it("turns a generated build into a runner job: config files, steps, collection, names without ':'", () => {
    const job = toRunnerJob(
      {
        name: "build:development:amd64:ruby",
        environment: "development",
        arch: "amd64",
        profile: "ruby",
        variant: "clean",
        tags: ["gentoo", "arch:amd64"],
        needs: ["build:development:amd64:linux"],
        env: { ROOKERY_PROFILE: "ruby" },
        files: { "/etc/portage/make.conf": 'USE="-X it\'s"\n' },
        steps: [{ name: "Build", script: ["emerge -1 foo", "echo done"] }],
        artifacts: [{ name: "binpkgs", paths: ["/var/cache/binpkgs/**/*.gpkg.tar"], when: "on_success" }],
      },
      new Set(["build:development:amd64:linux"]),
    );
    expect(job.name).toBe("build.development.amd64.ruby");
    expect(job.needs).toEqual(["build.development.amd64.linux"]);
    expect(job.steps.map((s) => s.name)).toEqual(["Write the portage configuration", "Build", "Collect packages and logs"]);
    expect(job.steps[0].run).toBe(
      `mkdir -p '/etc/portage'\nprintf '%s' '${Buffer.from('USE="-X it\'s"\n').toString("base64")}' | base64 -d > '/etc/portage/make.conf'`,
    );
    expect(job.steps[1].run).toBe("emerge -1 foo\necho done");
    expect(job.steps[2].run).toContain("find '/var/cache/binpkgs' -type f -path '/var/cache/binpkgs/*.gpkg.tar'");
    expect(job.artifacts).toEqual(["artifacts/**"]);
    expect(job).toMatchObject({ arch: "amd64", tags: ["gentoo"] });
    expect(runnerJobName("build:production:arm64:rails")).toBe("build.production.arm64.rails");
  });

  it("runs a profile's build on a gentoo runner and publishes its packages as the binhost", { timeout: 120_000 }, async () => {
    const p = await startFarmBuild(db(), { environment: "development", arch: "amd64", profile: "linux", variant: "clean" }, null, fixtureBuild());
    const pipeline = (await getPipeline(db(), p.id))!;
    expect(pipeline.source).toBe("farm");
    const job = await finished(pipeline.jobs[0].id);
    const log = await logOf(job.id);
    expect(job.status, log).toBe("success");
    expect(log).toMatch(/FEATURES=/); // the generated make.conf was written into the job's rootfs
    expect(job.artifacts.map((a) => a.name).sort()).toEqual([
      "artifacts/binpkgs/var/cache/binpkgs/app-shells/bash/bash-5.2_p37-1.gpkg.tar",
      "artifacts/binpkgs/var/cache/binpkgs/sys-libs/zlib/zlib-1.3.1-1.gpkg.tar",
    ]);

    const index = await waitFor("the binhost to be published", async () => {
      const r = await fetch(packagesUrl());
      return r.status === 200 ? { text: await r.text(), lastModified: r.headers.get("last-modified")! } : null;
    });
    expect(index.text).toContain("CPV: sys-libs/zlib-1.3.1\n");
    expect(index.text).toContain("CPV: app-shells/bash-5.2_p37\n");
    expect(index.text).toContain("PATH: sys-libs/zlib/zlib-1.3.1-1.gpkg.tar\n");
    expect((await fetch(packagesUrl(), { headers: { "if-modified-since": index.lastModified } })).status).toBe(304);
    const pkg = await fetch(`${server.url}/packages/development/gentoo/amd64/linux/sys-libs/zlib/zlib-1.3.1-1.gpkg.tar`);
    expect(pkg.status).toBe(200);
    expect(
      Buffer.from(await pkg.arrayBuffer())
        .subarray(0, 512)
        .toString("latin1"),
    ).toContain("gpkg-1");
    // the published build names the job that built it (its log, artifacts and pinned commits)
    const [build] = (await listBuilds(db(), { environment: "development", arch: "amd64", profile: "linux" })).builds;
    expect(build).toMatchObject({ live: true, jobId: job.id, job: { pipelineId: p.id } });
  });

  it(
    "a failed build publishes nothing and tells the admins and the profile's owners which package broke, linking the log line; the next green build says it recovered",
    { timeout: 180_000 },
    async () => {
      const before = await (await fetch(packagesUrl())).text();
      // linux.yaml on develop (development) names an owner
      const owner = await createLocalUser(db(), { username: "linux-owner", password: "Owner-password-1" });
      const profilesDir = repoDir("infrastructure", "build-profiles");
      const develop = (await runGit(["rev-parse", "refs/heads/develop"], { cwd: profilesDir })).stdout.trim();
      const linux = (await runGit(["show", `${develop}:profiles/linux.yaml`], { cwd: profilesDir })).stdout;
      await commitFiles(profilesDir, {
        branch: "develop",
        parent: develop,
        files: { "profiles/linux.yaml": `${linux.trimEnd()}\nowners: [linux-owner]\n` },
        message: "linux: owners",
      });
      const p = await startFarmBuild(
        db(),
        { environment: "development", arch: "amd64", profile: "linux", variant: "incremental" },
        null,
        fixtureBuild(["echo 'emerge: there are no ebuilds to satisfy \"dev-libs/missing\".' >&2", "exit 1"]),
      );
      const job = await finished((await getPipeline(db(), p.id))!.jobs[0].id);
      expect(job.status).toBe("failed");
      const failed = await waitFor("the failure notification", async () => {
        const [n] = await db().select().from(notifications).where(eq(notifications.kind, "farm.build_failed"));
        return n;
      });
      expect(failed.title).toBe("Build of linux (development/amd64) failed at dev-libs/missing");
      const told = await db().select({ userId: notifications.userId }).from(notifications).where(eq(notifications.kind, "farm.build_failed"));
      expect(told.map((t) => t.userId)).toContain(owner.id);
      expect(told).toHaveLength(2); // the admin and the owner
      expect(failed.link).toMatch(new RegExp(`^/jobs/${job.id}#L\\d+$`));
      const line = Number(failed.link!.split("#L")[1]);
      expect(await logOf(job.id)).toContain("no ebuilds to satisfy");
      expect(line).toBeGreaterThan(1);
      expect(await (await fetch(packagesUrl())).text()).toBe(before);

      const again = await startFarmBuild(db(), { environment: "development", arch: "amd64", profile: "linux", variant: "incremental" }, null, fixtureBuild());
      expect((await finished((await getPipeline(db(), again.id))!.jobs[0].id)).status).toBe("success");
      const recovered = await waitFor("the recovery notification", async () => {
        const [n] = await db().select().from(notifications).where(eq(notifications.kind, "farm.build_recovered")).orderBy(desc(notifications.createdAt));
        return n;
      });
      expect(recovered.title).toBe("Build of linux (development/amd64) is green again");
    },
  );

  it("shows the last build of each target in the matrix, and its history newest first", async () => {
    const matrix = await buildMatrix(db());
    expect(matrix).toHaveLength(1);
    expect(matrix[0]).toMatchObject({ environment: "development", arch: "amd64", profile: "linux", status: "success", packages: 2 });
    expect(matrix[0].bytes).toBeGreaterThan(0);
    const history = await targetHistory(db(), { environment: "development", arch: "amd64", profile: "linux" });
    expect(history.builds.map((b) => b.status)).toEqual(["success", "failed", "success"]);
    expect(history.publications.length).toBeGreaterThanOrEqual(2);
    expect(history.publications[0].packages).toBe(2);
    expect((await targetHistory(db(), { environment: "production", arch: "amd64", profile: "linux" })).builds).toEqual([]);
  });
});
