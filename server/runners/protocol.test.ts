import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PortalClient, PortalError } from "@/runner/client";
import { testDatabase } from "@/test/support/db";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { createLocalUser } from "@/server/users";
import { stopBoss } from "@/server/jobs";
import { handleRunnerApi } from "./http";
import { createPipeline } from "./pipelines";
import { createRegistrationToken } from "./registration";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-protocol-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, RUNNER_HEARTBEAT_SECONDS: "7", RUNNER_LEASE_SECONDS: "45" });
let portal: FetchServer;
let notPortal: FetchServer;
let regToken = "";

beforeAll(async () => {
  portal = await serveFetch(async (req) => handleRunnerApi(req, new URL(req.url).pathname.replace("/api/runner/v1/", "").split("/")));
  // some other web service at the configured URL: it answers JSON, just not the protocol's
  notPortal = await serveFetch(async () => Response.json({ ok: true }));
  const admin = await createLocalUser(db(), { username: "proto-admin", password: "Admin-password-1", isAdmin: true });
  regToken = (await createRegistrationToken(db(), { description: "protocol tests", createdBy: admin.id })).token;
});

afterAll(async () => {
  await stopBoss();
  await portal?.close();
  await notPortal?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const post = (pathname: string, body: string, token = "") =>
  fetch(`${portal.url}/api/runner/v1/${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });

async function registered() {
  return new PortalClient(portal.url).register({ token: regToken, name: `proto-${Math.random().toString(36).slice(2, 8)}`, arch: "amd64", executor: "shell" });
}

describe("runner protocol contract", () => {
  it("answers malformed requests with 400 and a message naming the field", async () => {
    const notJson = await post("register", "{name");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: "the body must be JSON" });

    const badArch = await post("register", JSON.stringify({ token: regToken, name: "x", arch: "AMD 64", executor: "shell" }));
    expect(badArch.status).toBe(400);
    expect(await badArch.json()).toEqual({ error: "arch: arch must be like amd64 or arm64" });

    const { token } = await registered();
    const badWait = await post("jobs/request", JSON.stringify({ wait: "soon" }), token);
    expect(badWait.status).toBe(400);
    expect((await badWait.json()).error).toMatch(/^wait: /);

    const p = await createPipeline(db(), { name: "bad finish", jobs: [{ name: "j", steps: [{ run: "true" }] }] });
    const job = (await new PortalClient(portal.url, token).requestJob(0))!;
    expect(job.pipelineId).toBe(p.id);
    const badFinish = await post(`jobs/${job.id}/finish`, JSON.stringify({ attempt: job.attempt, result: "done", exitCode: 0 }), token);
    expect(badFinish.status).toBe(400);
    expect((await badFinish.json()).error).toMatch(/^result: /);

    const badLog = await fetch(`${portal.url}/api/runner/v1/jobs/${job.id}/log?attempt=0&offset=0`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
      body: "x",
    });
    expect(badLog.status).toBe(400);
    expect((await badLog.json()).error).toMatch(/^attempt: /);
  });

  it("the runner client parses a real lease and the answers to what it sends", async () => {
    const reg = await registered();
    const client = new PortalClient(portal.url, reg.token);
    expect(await client.verify()).toEqual({ id: reg.id, name: expect.stringMatching(/^proto-/), paused: false });
    expect(await client.requestJob(0)).toBeNull();

    const p = await createPipeline(db(), {
      name: "contract",
      jobs: [
        {
          name: "build",
          steps: [{ name: "hello", run: "echo hi", env: { STEP: "1" } }, { run: "true" }],
          env: { GLOBAL: "yes" },
          timeoutSeconds: 120,
          artifacts: ["out/*.bin"],
        },
      ],
    });
    const job = await client.requestJob(0);
    expect(job).toEqual({
      id: expect.any(String),
      pipelineId: p.id,
      name: "build",
      attempt: 1,
      steps: [{ name: "hello", run: "echo hi", env: { STEP: "1" } }, { run: "true" }],
      // the job's own env plus this attempt's credentials (server/auth/job-tokens.ts)
      env: { GLOBAL: "yes", ROOKERY_JOB_TOKEN: expect.stringMatching(/^rkjob_/), ROOKERY_PORTAL_URL: expect.stringMatching(/^http/) },
      timeoutSeconds: 120,
      artifacts: ["out/*.bin"],
      leaseSeconds: 45,
      heartbeatSeconds: 7,
    });

    expect(await client.heartbeat(job!.id, 1)).toEqual({ cancel: false });
    expect(await client.appendLog(job!.id, 1, 0, Buffer.from("hello\n"))).toEqual({ length: 6 });
    // a gap: the refusal carries the offset the portal expects, typed for the runner
    const gap = await client.appendLog(job!.id, 1, 100, Buffer.from("x")).catch((e: unknown) => e);
    expect(gap).toBeInstanceOf(PortalError);
    expect((gap as PortalError).status).toBe(416);
    expect((gap as PortalError).body.expected).toBe(6);

    const file = path.join(dataDir, "a.bin");
    fs.writeFileSync(file, "artifact bytes");
    expect(await client.uploadArtifact(job!.id, 1, "out/a.bin", file)).toEqual({
      id: expect.any(String),
      name: "out/a.bin",
      size: 14,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(await client.finish(job!.id, { attempt: 1, result: "success", exitCode: 0 })).toEqual({ status: "success" });
  });

  it("refuses an answer that is not the protocol's instead of running with undefined fields", async () => {
    const client = new PortalClient(notPortal.url, "rkr_whatever");
    const e = await client.requestJob(0).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(PortalError);
    expect((e as PortalError).message).toMatch(/^POST jobs\/request: unexpected answer from the portal: job: /);
    await expect(client.heartbeat("00000000-0000-4000-8000-000000000000", 1)).rejects.toThrow(/unexpected answer from the portal: cancel: /);
  });
});
