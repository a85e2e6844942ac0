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
 * The farm with real portage, as an administrator sees it: the e2e portal synced the test tree
 * from its upstream at start-up; a gentoo runner (portage run from source on this Debian
 * host) builds a profile with real emerge while the admin watches, and the packages show.
 */
const suffix = randomBytes(3).toString("hex");
const profile = `greet-${suffix}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-gentoo-"));
let runner: RunnerProcess | null = null;

test.afterAll(async () => {
  await runner?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test.skip(!!portageMissing(), "needs the vendored portage");

test("an admin runs a profile's real build on a gentoo runner, watches emerge live, and sees it green in the matrix and its packages in the binhost", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(300_000);
  await login(page, ADMIN.username, ADMIN.password);

  // The tree the portal synced from upstream at start-up.
  await page.goto("/admin/farm/tree");
  await expect(page.getByRole("table", { name: "Portage tree branches" })).toContainText("development");

  // A build profile of the test tree's packages on develop (fixture: written into the repository as a merge would;
  // the farm page brings build-profiles onto the disk first).
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
        "description: The test tree's greeting, built for real",
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

  // A build host: this machine, with the gentoo executor.
  await page.goto("/admin/runners");
  await page.getByLabel("Where it will be used").fill(`gentoo e2e ${suffix}`);
  await page.getByRole("button", { name: "Create registration token" }).click();
  const token = await page.getByLabel("Registration token", { exact: true }).inputValue();
  const config = path.join(work, "runner.json");
  const reg = await registerRunnerCli([
    ...["--url", baseURL!, "--token", token, "--name", `gentoo-${suffix}`, "--arch", "amd64", "--tags", "gentoo"],
    ...["--executor", "gentoo", "--portage", portageSource(), "--config", config, "--builds-dir", path.join(work, "builds")],
  ]);
  expect(reg.status, reg.stderr).toBe(0);
  runner = startRunnerProcess(config);

  await page.goto("/farm");
  const dev = page.getByRole("region", { name: "Branch develop" });
  await dev.getByText(profile, { exact: true }).click();
  await dev.getByRole("link", { name: "amd64: portage files and steps" }).click();
  await page.getByRole("link", { name: "Show the clean build" }).click();
  await page.getByRole("button", { name: "Run this clean build" }).click();
  await expect(page).toHaveURL(/\/pipelines\/[0-9a-f-]{36}$/);
  await page
    .getByRole("table", { name: "Jobs" })
    .getByRole("link", { name: `build.development.amd64.${profile}` })
    .click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);

  const log = page.getByTestId("job-log");
  await expect(log).toContainText(">>> Emerging (1 of 2) dev-libs/libgreet-1.0::gentoo", { timeout: 180_000 });
  await expect(log).toContainText(">>> Emerging (2 of 2) app-misc/hello-1.0::gentoo", { timeout: 120_000 });
  await expect(log).toContainText("Job success", { timeout: 120_000 });

  await page.goto("/farm/builds");
  await expect(
    page.getByRole("table", { name: "Build matrix" }).getByRole("link", { name: new RegExp(`${profile} development/amd64: (passed|success)`, "i") }),
  ).toBeVisible();

  await expect(async () => {
    await page.goto(`/farm/binhost/development/amd64/${profile}`);
    await expect(page.getByRole("table", { name: "Packages" })).toContainText("app-misc/hello", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByRole("table", { name: "Packages" })).toContainText("dev-libs/libgreet");
});
