import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { registerRunnerCli, startRunnerProcess, type RunnerProcess } from "@/test/support/runner";
import { ADMIN, expect, login, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const tag = `e2e-${suffix}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-runner-"));
let runner: RunnerProcess | null = null;

test.afterAll(async () => {
  await runner?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

const pipelineYaml = `jobs:
  - name: prepare
    tags: [${tag}]
    steps:
      - echo preparing
  - name: build
    needs: [prepare]
    tags: [${tag}]
    steps:
      - name: compile
        run: |
          printf '\\033[32mcompiling\\033[0m\\n'
          sleep 3
          echo compiled
      - mkdir -p out && echo hello-artifact > out/hello.txt
    artifacts: [out/]
  - name: test
    needs: [build]
    tags: [${tag}]
    steps:
      - echo testing
`;

test("an admin registers a runner, runs a three-job pipeline, watches the log live and downloads an artifact", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/runners");
  await page.getByLabel("Where it will be used").fill(`e2e host ${suffix}`);
  await page.getByRole("button", { name: "Create registration token" }).click();
  const token = await page.getByLabel("Registration token", { exact: true }).inputValue();
  expect(token).toMatch(/^rkrt_/);

  const name = `builder-${suffix}`;
  const config = path.join(work, "runner.json");
  const reg = await registerRunnerCli([
    "--url",
    baseURL!,
    "--token",
    token,
    "--name",
    name,
    "--arch",
    "amd64",
    "--tags",
    tag,
    "--config",
    config,
    "--builds-dir",
    path.join(work, "builds"),
  ]);
  expect(reg.status, reg.stderr).toBe(0);
  runner = startRunnerProcess(config);

  await page.reload();
  const row = page.getByRole("table", { name: "Runners" }).locator(`tr[data-runner="${name}"]`);
  await expect(row).toContainText("amd64");
  await expect(row).toContainText(tag);
  await expect(async () => {
    await page.reload();
    await expect(row.getByText("Online")).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });

  await page.goto("/pipelines");
  await page.getByRole("link", { name: "Run pipeline" }).click();
  await page.getByLabel("Name").fill(`e2e pipeline ${suffix}`);
  await page.getByLabel("Jobs (YAML)").fill(pipelineYaml);
  await page.getByRole("button", { name: "Run pipeline" }).click();
  await expect(page).toHaveURL(/\/pipelines\/[0-9a-f-]{36}$/);
  const pipelineUrl = page.url();
  const graph = page.getByRole("img", { name: "Job dependency graph" });
  await expect(graph).toContainText("prepare");
  await expect(graph).toContainText("test");

  await page.getByRole("table", { name: "Jobs" }).getByRole("link", { name: "build" }).click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);
  const log = page.getByTestId("job-log");
  // seen while the job is still running: the line arrives over SSE before "compiled"
  await expect(log).toContainText("compiling", { timeout: 60_000 });
  await expect(page.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
  await expect(log.getByText("compiling")).toHaveCSS("color", "rgb(22, 163, 74)");
  await expect(log).toContainText("compiled", { timeout: 30_000 });
  await expect(log).toContainText("Job success", { timeout: 30_000 });

  const artifact = page.getByRole("link", { name: "out/hello.txt" });
  await expect(artifact).toBeVisible({ timeout: 15_000 });
  // The page refreshes once the job ends; the log it showed live stays one copy of each line.
  await expect(page.getByRole("status").filter({ hasText: "Live" })).toHaveCount(0);
  await page.waitForTimeout(1500); // time for a second stream of the log (the bug) to land
  await expect(log.getByText("compiling")).toHaveCount(1);
  await expect(log.getByText("Job success")).toHaveCount(1);
  const [download] = await Promise.all([page.waitForEvent("download"), artifact.click()]);
  expect(fs.readFileSync((await download.path())!, "utf8")).toBe("hello-artifact\n");

  await page.goto(pipelineUrl);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("table", { name: "Jobs" }).getByText("Passed")).toHaveCount(3, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
});
