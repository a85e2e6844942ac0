import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildJobs } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { serveGitHttp } from "@/test/support/git";
import type { FetchServer } from "@/test/support/fetch-server";
import { userFromAuthorizationHeader } from "@/server/auth/credentials";
import { can } from "@/server/auth/policy";
import { JOB_TOKEN_GIT_AUTH } from "@/server/farm/generate";
import { stopBoss } from "@/server/jobs";
import { createOrg } from "@/server/orgs";
import { cancelJob, createPipeline } from "@/server/runners/pipelines";
import { claimJob, finishJob } from "@/server/runners/queue";
import { insertRunner, runnerFromToken, type Runner } from "@/server/runners/registration";
import { createLocalUser } from "@/server/users";
import { ensureInfrastructureOrg } from "./infrastructure";
import { ensureRepoOnDisk } from "./materialize";
import { commitFiles } from "./plumbing/commit";
import { getRepo, INFRASTRUCTURE_ORG } from "./repos";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-jobtoken-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-jobtoken-work-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "x".repeat(40) });
let server: FetchServer;
let runner: Runner;

/** Runs a shell command line as the generated tree step does, with ROOKERY_JOB_TOKEN in its environment only. */
function sh(command: string, token: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], {
      cwd: work,
      timeout: 20_000,
      env: {
        ...process.env,
        ROOKERY_JOB_TOKEN: token,
        GIT_TERMINAL_PROMPT: "0",
        GIT_AUTHOR_NAME: "T",
        GIT_AUTHOR_EMAIL: "t@x",
        GIT_COMMITTER_NAME: "T",
        GIT_COMMITTER_EMAIL: "t@x",
      },
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("close", (status) => resolve({ status, out }));
  });
}

let n = 0;
/** `git fetch` of a repository's develop branch into a fresh repository, authenticated only by the job token. */
async function fetchAsJob(token: string, repo: string) {
  const dir = `f${++n}`;
  const r = await sh(`git init --quiet ${dir} && git -C ${dir} ${JOB_TOKEN_GIT_AUTH} fetch --depth=1 ${server.url}/git/${repo}.git develop`, token);
  expect(r.out).not.toContain(token);
  return { ...r, dir: path.join(work, dir) };
}

/** A running job leased to the test runner, with its ROOKERY_JOB_TOKEN. */
async function runningJob() {
  await createPipeline(db(), { name: `p${++n}`, jobs: [{ name: "build", steps: [{ run: "true" }] }] });
  const job = await claimJob(db(), runner);
  expect(job).not.toBeNull();
  expect(job!.env.ROOKERY_PORTAL_URL).toBe(server.url);
  expect(job!.env.ROOKERY_JOB_TOKEN).toMatch(/^rkjob_[A-Za-z0-9_-]{43}$/);
  return { job: job!, token: job!.env.ROOKERY_JOB_TOKEN };
}

beforeAll(async () => {
  server = await serveGitHttp();
  await ensureInfrastructureOrg(db());
  // infrastructure/gentoo (the portage tree mirror) exists from start-up, empty until its first sync: a README on develop stands in for the tree
  const gentooDir = await ensureRepoOnDisk(db(), (await getRepo(db(), INFRASTRUCTURE_ORG, "gentoo"))!);
  await commitFiles(gentooDir, { branch: "develop", files: { "README.md": "# gentoo\n" }, message: "Stand-in tree" });
  const lea = await createLocalUser(db(), { username: "lea", password: "Chief-password-1" });
  await createOrg(db(), { name: "acme", source: "local", members: [{ userId: lea.id, role: "leader" }] });
  const { token } = await insertRunner(db(), { name: "r", arch: "amd64", tags: [], executor: "shell", concurrency: 1, version: "t" }, null, false);
  runner = (await runnerFromToken(db(), token))!;
});

afterAll(async () => {
  await server?.close();
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe("job tokens (ROOKERY_JOB_TOKEN)", () => {
  it("let a running job fetch the infrastructure tree repositories, and nothing else", async () => {
    const { token } = await runningJob();
    const gentoo = await fetchAsJob(token, "infrastructure/gentoo");
    expect(gentoo.status, gentoo.out).toBe(0);
    expect(fs.readdirSync(gentoo.dir)).toContain(".git");
    const profiles = await fetchAsJob(token, "infrastructure/build-profiles");
    expect(profiles.status, profiles.out).toBe(0);

    for (const repo of ["acme/puppet", "infrastructure/role"]) {
      const other = await fetchAsJob(token, repo);
      expect(other.status, repo).not.toBe(0);
      expect(other.out).toMatch(/not found|404/i);
    }

    // no push, even to a readable repository
    await sh(`git -C ${gentoo.dir} checkout --quiet -b feature/x FETCH_HEAD && git -C ${gentoo.dir} commit --quiet --allow-empty -m x`, token);
    const push = await sh(`git -C ${gentoo.dir} ${JOB_TOKEN_GIT_AUTH} push ${server.url}/git/infrastructure/gentoo.git HEAD:refs/heads/feature/x`, token);
    expect(push.status).not.toBe(0);
    expect(push.out).toMatch(/403|only fetch/);
  });

  it("is no credential anywhere else: tRPC and the statuses API see no user, the policy allows only the binhost", async () => {
    const { job, token } = await runningJob();
    expect(await userFromAuthorizationHeader(`Basic ${Buffer.from(`ci-job:${token}`).toString("base64")}`, "127.0.0.1")).toBeNull();
    expect(await userFromAuthorizationHeader(`Bearer ${token}`, "127.0.0.1")).toBeNull();
    const actor = { kind: "job" as const, jobId: job.id, pipelineId: job.pipelineId };
    expect(can(actor, "farm:binhost")).toBe(true);
    expect(can(actor, "farm:read")).toBe(false);
    expect(can(actor, "repo:read", { id: "x", archived: false, role: null })).toBe(false);
    await finishJob(db(), runner, job.id, { attempt: job.attempt, result: "success", exitCode: 0 });
  });

  it("dies with the attempt: finished, canceled, or lease expired", async () => {
    const finished = await runningJob();
    expect((await fetchAsJob(finished.token, "infrastructure/gentoo")).status).toBe(0);
    await finishJob(db(), runner, finished.job.id, { attempt: finished.job.attempt, result: "success", exitCode: 0 });
    const afterFinish = await fetchAsJob(finished.token, "infrastructure/gentoo");
    expect(afterFinish.status).not.toBe(0);
    expect(afterFinish.out).toMatch(/Authentication failed|401/);

    const canceled = await runningJob();
    await cancelJob(db(), canceled.job.id);
    expect((await fetchAsJob(canceled.token, "infrastructure/gentoo")).status).not.toBe(0);
    await finishJob(db(), runner, canceled.job.id, { attempt: canceled.job.attempt, result: "canceled", exitCode: null });

    const lost = await runningJob();
    expect((await fetchAsJob(lost.token, "infrastructure/gentoo")).status).toBe(0);
    await db()
      .update(buildJobs)
      .set({ leaseExpiresAt: sql`now() - interval '1 second'` })
      .where(eq(buildJobs.id, lost.job.id));
    expect((await fetchAsJob(lost.token, "infrastructure/gentoo")).status).not.toBe(0);
  });
});
