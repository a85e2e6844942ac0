import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { publishBuild } from "@/server/farm/binhost";
import { binhostClient } from "@/test/support/gentoo-host";
import { TEST_PORTAGE_PROFILE } from "@/test/support/gentoo-tree";
import { makeGpkg } from "@/test/support/gpkg";
import { portageMissing } from "@/test/support/portage";
import { ADMIN, expect, login, test } from "./support";

/**
 * Published builds as an administrator uses them: a binhost has two numbered builds (fixture
 * packages published through the domain, as a farm build would), a host installed the newer
 * package with real portage; the admin rolls the binhost back to build 1 after a confirmation
 * that names what goes back, and the host's next `emerge --getbinpkgonly` installs the older one.
 */
const suffix = randomBytes(3).toString("hex");
const profile = `pub-${suffix}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-pubbuilds-"));

test.skip(!!portageMissing(), "needs the vendored portage");

test.afterAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await closeDb();
});

test("an admin rolls a binhost back to an earlier build after confirming, and a host's emerge then gets the older package", async ({ page, baseURL }) => {
  test.setTimeout(240_000);
  for (const version of ["1.0", "2.0"])
    await publishBuild(getDb(), {
      environment: "development",
      arch: "amd64",
      profile,
      parents: [],
      chost: "x86_64-pc-linux-gnu",
      portageProfile: TEST_PORTAGE_PROFILE,
      baseUrl: `${baseURL}/packages`,
      files: [makeGpkg(work, { category: "app-misc", pf: `demo-${version}`, buildId: 1, payload: version, installable: true })],
    });
  const host = binhostClient(work, `${baseURL}/packages/development/gentoo/amd64/${profile}`);
  const first = await host("emerge --getbinpkgonly --color=n app-misc/demo && ls /target/usr/bin");
  expect(first.code, first.output.slice(-4000)).toBe(0);
  expect(first.output).toMatch(/^demo-2\.0$/m);

  await login(page, ADMIN.username, ADMIN.password);
  await page.goto(`/farm/builds/development/amd64/${profile}/published`);
  const builds = page.getByRole("table", { name: "Published builds" });
  await expect(builds.getByRole("row").nth(1)).toContainText("Build 2");
  await expect(builds.getByRole("row").nth(1)).toContainText("live");
  await expect(builds.getByRole("row").nth(1)).toContainText("vs 1: 1 upgraded");

  await builds.getByRole("link", { name: "Build 1", exact: true }).click();
  await expect(page.getByRole("heading", { name: `Build 1 of ${profile} (development, amd64)` })).toBeVisible();
  // Notes (Markdown) and a tag, served read-only at <profile>@<tag>.
  await page.getByRole("button", { name: "Add notes" }).click();
  await page.getByLabel("Notes (Markdown)").fill("**Known good** before demo 2.0");
  await page.getByRole("button", { name: "Save notes" }).click();
  await expect(page.getByRole("region", { name: "Notes" }).locator("strong")).toHaveText("Known good");
  await page.getByRole("form", { name: "Tag this build" }).getByLabel("Tag").fill("pre-upgrade");
  await page.getByRole("button", { name: "Tag build 1" }).click();
  await expect(page.getByRole("list", { name: "Tags" })).toContainText("@pre-upgrade");
  const tagged = await page.request.get(`/packages/development/gentoo/amd64/${profile}@pre-upgrade/Packages`);
  expect(await tagged.text()).toContain("CPV: app-misc/demo-1.0\n");

  await page.getByRole("button", { name: "Roll back to build 1" }).click();
  const dialog = page.getByRole("dialog", { name: `Roll back ${profile} (development/amd64) to build 1?` });
  await expect(dialog).toContainText(/Build 1 of \d{4}-\d\d-\d\d/);
  await expect(dialog).toContainText("in place of build 2");
  await expect(dialog.getByRole("list", { name: "What goes back" })).toHaveText("app-misc/demo 2.0 → 1.0");
  await dialog.getByRole("button", { name: "Roll back", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("live", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Roll back to build 1" })).toBeHidden();

  const second = await host("emerge --getbinpkgonly --color=n app-misc/demo && ls /target/usr/bin");
  expect(second.code, second.output.slice(-4000)).toBe(0);
  expect(second.output).toContain(">>> Emerging binary (1 of 1) app-misc/demo-1.0::gentoo");
  expect(second.output).toMatch(/^demo-1\.0$/m);
  expect(second.output).not.toMatch(/^demo-2\.0$/m);

  // The rollback is in the audit log, against the build.
  await page.goto("/admin/audit");
  await expect(
    page
      .getByRole("table", { name: "Audit events" })
      .getByRole("row")
      .filter({ hasText: "publishedBuilds.rollback" })
      .filter({ hasText: `development/amd64/${profile}#1` })
      .first(),
  ).toContainText("Success");
});
