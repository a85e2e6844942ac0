import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { commitBuildProfiles, commitTestTree } from "@/test/support/gentoo-mirror";
import type { FetchServer } from "@/test/support/fetch-server";
import { startJobWorker } from "@/test/support/job-worker";
import { portageMissing, portageSource } from "@/test/support/portage";
import { serveFarmPortal, startGentooRunner } from "@/test/support/gentoo-farm";
import { waitFor, type RunnerProcess } from "@/test/support/runner";
import { afterPush } from "@/server/git/events";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { branchHead } from "@/server/git/plumbing/merge";
import { repoDir } from "@/server/git/paths";
import { getRepo, INFRASTRUCTURE_ORG, type RepoWithOrg } from "@/server/git/repos";
import { queues, stopBoss } from "@/server/jobs";
import { statusesOf } from "@/server/mergerequests/statuses";
import { getJob, getPipeline } from "@/server/runners/pipelines";
import { readLog } from "@/server/runners/queue";
import { ensureFarmDefaults } from "./catalog";
import { OVERLAY_LINT_CONTEXT } from "./overlay";
import { startFarmBuild } from "./pipeline";

/**
 * The overlay with real portage on a gentoo runner: the lint job of a push runs egencache over
 * the overlay (green for the template, red with the error line for a broken ebuild), and a farm
 * build on the overlay's server profile emerges the overlay's own package.
 */
const skip = portageMissing();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-overlay-gentoo-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-overlay-gentoo-work-"));
const db = testDatabase({
  ROOKERY_DATA_DIR: dataDir,
  AUTH_SECRET: "overlay-gentoo-test-secret-0123456789",
  RUNNER_LEASE_SECONDS: "30",
  RUNNER_HEARTBEAT_SECONDS: "2",
});
let portal: FetchServer;
let runner: RunnerProcess;
let worker: { stop: () => Promise<void> };
let overlay: RepoWithOrg;

beforeAll(async () => {
  if (skip) return;
  const portage = portageSource();
  portal = await serveFarmPortal();

  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
  await commitTestTree(db());
  overlay = (await getRepo(db(), INFRASTRUCTURE_ORG, "overlay"))!;
  await ensureRepoOnDisk(db(), overlay);

  await commitBuildProfiles(
    db(),
    {
      "profiles/server.yaml": [
        "kind: system",
        "description: Our server profile",
        "portageProfile: rookery:rookery/amd64/server",
        "architectures: [amd64]",
        "make:",
        '  FEATURES: "buildpkg binpkg-multi-instance -news"',
        "packages:",
        "  - app-admin/rookery-host-tools",
        "",
      ].join("\n"),
    },
    "A server on the overlay's profile",
  );

  worker = await startJobWorker([queues.farmOverlayPushed, queues.buildJobFinished]);
  runner = await startGentooRunner(db(), portal, portage, work);
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await worker?.stop();
  await stopBoss();
  await portal?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const logOf = async (jobId: string) => Buffer.concat((await readLog(db(), jobId, { attempt: 0, offset: 0 }, 100_000)).map((c) => c.data)).toString();

/** Pushes (as the post-receive does) and waits for the lint status to leave pending. */
async function lint(branch: string, sha: string, before: string) {
  await afterPush(overlay, [{ ref: `refs/heads/${branch}`, oldSha: before, newSha: sha }]);
  return waitFor(
    `the lint status of ${branch}`,
    async () => {
      const s = (await statusesOf(db(), overlay.id, [sha])).get(sha)?.find((x) => x.context === OVERLAY_LINT_CONTEXT);
      return s && s.state !== "pending" ? s : null;
    },
    240_000,
    500,
  );
}

describe.skipIf(skip)("the overlay with real portage", () => {
  it("the template's lint job goes green on a gentoo runner", { timeout: 300_000 }, async () => {
    const dir = repoDir(INFRASTRUCTURE_ORG, "overlay");
    const sha = (await branchHead(dir, "development"))!;
    const status = await lint("development", sha, "0".repeat(40));
    const jobId = status.targetUrl!.split("/jobs/")[1];
    const log = await logOf(jobId);
    expect(status.state, log.slice(-4000)).toBe("success");
    expect(status.description).toBe("The ebuilds' metadata and every profile load with portage");
    expect(log).toContain("profile rookery/amd64/server loads");
  });

  it("a pushed broken ebuild turns the status red with portage's first error line and a link to the job", { timeout: 300_000 }, async () => {
    const dir = repoDir(INFRASTRUCTURE_ORG, "overlay");
    const base = (await branchHead(dir, "development"))!;
    const ebuild = "app-admin/rookery-host-tools/rookery-host-tools-1.0.ebuild";
    const text = (await runGit(["show", `${base}:${ebuild}`], { cwd: dir })).stdout;
    const sha = await commitFiles(dir, {
      branch: "feature/broken",
      parent: base,
      message: "Break the ebuilds",
      files: {
        [ebuild]: text.replace("src_install() {", "src_install() {\n\tif then"),
        "app-admin/rookery-motd/rookery-motd-1.0.ebuild": text.replace("EAPI=8", "EAPI=99"),
      },
    });
    const status = await lint("feature/broken", sha, base);
    const jobId = status.targetUrl!.split("/jobs/")[1];
    expect(status.targetUrl).toBe(`${portal.url}/jobs/${jobId}`);
    expect(status.state).toBe("failed");
    expect(status.description).toMatch(/^app-admin\/rookery-host-tools\/rookery-host-tools-1\.0\.ebuild: line \d+: syntax error near unexpected token `then'$/);
    expect(await logOf(jobId)).toContain(
      "overlay lint: app-admin/rookery-motd/rookery-motd-1.0.ebuild: portage cannot read it (EAPI=99: not supported by portage?)",
    );
    expect((await getJob(db(), jobId))!.status).toBe("failed");
  });

  it("a build profile on rookery:rookery/amd64/server builds the overlay's own package with real emerge", { timeout: 300_000 }, async () => {
    const p = await startFarmBuild(db(), { environment: "development", arch: "amd64", profile: "server", variant: "clean" }, null);
    const jobId = (await getPipeline(db(), p.id))!.jobs[0].id;
    const job = await waitFor(
      "the build of server",
      async () => {
        const j = await getJob(db(), jobId);
        return j && ["success", "failed", "canceled"].includes(j.status) ? j : null;
      },
      240_000,
      500,
    );
    const log = await logOf(jobId);
    expect(job.status, log.slice(-4000)).toBe("success");
    expect(log).toContain(">>> Emerging (1 of 1) app-admin/rookery-host-tools-1.0::rookery");
    const index = await waitFor(
      "the server binhost",
      async () => {
        const r = await fetch(`${portal.url}/packages/development/gentoo/amd64/server/Packages`);
        return r.status === 200 ? r.text() : null;
      },
      30_000,
    );
    expect(index).toContain("CPV: app-admin/rookery-host-tools-1.0\n");
    expect(index).toContain("PROFILE: rookery:rookery/amd64/server\n");
  });
});
