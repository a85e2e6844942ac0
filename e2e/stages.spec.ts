import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "@/server/config";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { repoDir } from "@/server/git/paths";
import { TEST_PORTAGE_PROFILE } from "@/test/support/gentoo-tree";
import { portageMissing, portageSource } from "@/test/support/portage";
import { registerRunnerCli, startRunnerProcess, type RunnerProcess } from "@/test/support/runner";
import { ADMIN, expect, login, test } from "./support";

/**
 * An administrator builds a profile's packages, then its stage3 from that binhost on a gentoo
 * runner (real emerge --usepkgonly), watches the pipeline, and downloads the published stage,
 * its DIGESTS and the latest pointer.
 */
const suffix = randomBytes(3).toString("hex");
const profile = `stage-${suffix}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-stages-"));
let runner: RunnerProcess | null = null;

test.afterAll(async () => {
  await runner?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test.skip(!!portageMissing(), "needs the vendored portage");

test("an admin builds a stage3 from the binhost, follows its pipeline, and downloads the stage with its DIGESTS", async ({ page, baseURL, request }) => {
  test.setTimeout(420_000);
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/farm/tree");
  await expect(page.getByRole("table", { name: "Portage tree branches" })).toContainText("development");

  await page.goto("/farm");
  loadConfig();
  const profiles = repoDir("infrastructure", "build-profiles");
  const develop = (await runGit(["rev-parse", "refs/heads/develop"], { cwd: profiles })).stdout.trim();
  await commitFiles(profiles, {
    branch: "develop",
    parent: develop,
    message: `Profile ${profile}`,
    files: {
      [`profiles/${profile}.yaml`]: [
        "kind: system",
        "description: The test tree's greeting, as a stage",
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
  });

  await page.goto("/admin/runners");
  await page.getByLabel("Where it will be used").fill(`gentoo stages e2e ${suffix}`);
  await page.getByRole("button", { name: "Create registration token" }).click();
  const token = await page.getByLabel("Registration token", { exact: true }).inputValue();
  const config = path.join(work, "runner.json");
  const reg = await registerRunnerCli([
    ...["--url", baseURL!, "--token", token, "--name", `gentoo-stages-${suffix}`, "--arch", "amd64", "--tags", "gentoo"],
    ...["--executor", "gentoo", "--portage", portageSource(), "--config", config, "--builds-dir", path.join(work, "builds")],
  ]);
  expect(reg.status, reg.stderr).toBe(0);
  runner = startRunnerProcess(config);

  // the packages first: the stage is assembled from the profile's binhost
  await page.goto("/farm");
  const dev = page.getByRole("region", { name: "Branch develop" });
  await dev.getByText(profile, { exact: true }).click();
  await dev.getByRole("link", { name: "amd64: portage files and steps" }).click();
  await page.getByRole("link", { name: "Show the clean build" }).click();
  await page.getByRole("button", { name: "Run this clean build" }).click();
  await expect(page).toHaveURL(/\/pipelines\/[0-9a-f-]{36}$/);
  await expect(async () => {
    await page.goto(`/farm/binhost/development/amd64/${profile}`);
    await expect(page.getByRole("table", { name: "Packages" })).toContainText("app-misc/hello", { timeout: 1000 });
  }).toPass({ timeout: 240_000 });

  await page.goto("/admin/farm");
  await page.getByRole("link", { name: "Stages" }).click();
  await expect(page).toHaveURL(/\/admin\/farm\/stages$/);
  await page.getByRole("button", { name: `Build stage of ${profile} for development/amd64` }).click();
  await expect(page).toHaveURL(/\/pipelines\/[0-9a-f-]{36}$/);
  await page
    .getByRole("table", { name: "Jobs" })
    .getByRole("link", { name: `stage.development.amd64.${profile}` })
    .click();
  const log = page.getByTestId("job-log");
  await expect(log).toContainText(">>> Emerging binary (2 of 2) app-misc/hello-1.0::gentoo", { timeout: 120_000 });
  await expect(log).toContainText("Job success", { timeout: 120_000 });

  const row = page.getByRole("table", { name: "Stages per environment, architecture and system profile" }).getByRole("row").filter({ hasText: profile });
  await expect(async () => {
    await page.goto("/admin/farm/stages");
    await expect(row.getByRole("link", { name: /^\d{8}T\d{6}Z$/ })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  const href = (await row.getByRole("link", { name: /^\d{8}T\d{6}Z$/ }).getAttribute("href"))!;
  const file = href.split("/").pop()!;
  expect(file).toMatch(new RegExp(`^stage3-amd64-${profile}-\\d{8}T\\d{6}Z\\.tar\\.xz$`));

  const download = page.waitForEvent("download");
  await page.getByRole("table", { name: "Published stages" }).getByRole("link", { name: file }).click();
  const saved = path.join(work, file);
  await (await download).saveAs(saved);
  const digests = await (await request.get(`${href}.DIGESTS`)).text();
  const { createHash } = await import("node:crypto");
  const sha512 = createHash("sha512").update(fs.readFileSync(saved)).digest("hex");
  const blake2b = createHash("blake2b512").update(fs.readFileSync(saved)).digest("hex");
  expect(digests).toBe(`# BLAKE2B HASH\n${blake2b}  ${file}\n# SHA512 HASH\n${sha512}  ${file}\n`);
  const pointer = await (await request.get(`/stages/development/amd64/${profile}/latest-stage3.txt`)).text();
  expect(pointer).toContain(`${file} ${fs.statSync(saved).size}\n`);
});
