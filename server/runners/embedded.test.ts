import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { isNull } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runners } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { serveFetch, type FetchServer } from "@/test/support/fetch-server";
import { portageMissing, portageSource } from "@/test/support/portage";
import { waitFor } from "@/test/support/runner";
import { getConfig, loadConfig } from "@/server/config";
import { startEmbeddedRunner } from "./embedded";
import { handleRunnerApi } from "./http";
import { createPipeline, getJob, getPipeline } from "./pipelines";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-embedded-runner-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir });
let server: FetchServer;

beforeAll(async () => {
  server = await serveFetch(async (req) => handleRunnerApi(req, new URL(req.url).pathname.replace("/api/runner/v1/", "").split("/")));
  loadConfig({ ...process.env, ROOKERY_INTERNAL_URL: server.url });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it("the embedded default registers one local shell runner per start and runs jobs through the runner API", { timeout: 60_000 }, async () => {
  const first = await startEmbeddedRunner(db(), getConfig(), () => {});
  await first.stop();
  const runner = await startEmbeddedRunner(db(), getConfig(), () => {});
  try {
    const active = await db().select().from(runners).where(isNull(runners.revokedAt));
    expect(active.map((r) => [r.embedded, r.executor, r.tags])).toEqual([[true, "shell", ["local"]]]);
    const p = await createPipeline(db(), { name: "local", jobs: [{ name: "hello", tags: ["local"], steps: [{ run: "echo from the embedded runner" }] }] });
    const jobId = (await getPipeline(db(), p.id))!.jobs[0].id;
    const job = await waitFor("the job", async () => {
      const j = await getJob(db(), jobId);
      return j?.status === "success" ? j : null;
    });
    expect(job.runnerName).toMatch(/^local \(/);
    expect(fs.readdirSync(path.join(dataDir, "builds"))).toEqual([]);
  } finally {
    await runner.stop();
  }
});

it.skipIf(portageMissing())(
  "with ROOKERY_RUNNER_PORTAGE the local runner builds with the gentoo executor and takes the farm's jobs; a wrong path leaves it a shell runner, saying why",
  async () => {
    const lines: string[] = [];
    const bad = await startEmbeddedRunner(db(), loadConfig({ ...process.env, ROOKERY_INTERNAL_URL: server.url, ROOKERY_RUNNER_PORTAGE: "/nonexistent" }), (l) =>
      lines.push(l),
    );
    await bad.stop();
    expect(lines.join("\n")).toContain("ROOKERY_RUNNER_PORTAGE is set but the local runner cannot build with it (/nonexistent is not a portage source tree");
    const good = await startEmbeddedRunner(
      db(),
      loadConfig({ ...process.env, ROOKERY_INTERNAL_URL: server.url, ROOKERY_RUNNER_PORTAGE: portageSource() }),
      () => {},
    );
    try {
      const active = await db().select().from(runners).where(isNull(runners.revokedAt));
      expect(active.map((r) => [r.executor, r.tags])).toEqual([["gentoo", ["local", "gentoo"]]]);
    } finally {
      await good.stop();
      loadConfig({ ...process.env, ROOKERY_INTERNAL_URL: server.url });
    }
  },
);
