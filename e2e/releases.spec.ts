import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import type { Page } from "@playwright/test";
import { closeDb, getDb } from "@/db/client";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { expect, login, logout, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const lead = { username: `rellead-${suffix}`, password: `Lead-${suffix}-pass-9` };
const dev = { username: `reldev-${suffix}`, password: `Dev-${suffix}-pass-9` };
const orgSlug = `relorg-${suffix}`;
const releasesUrl = `/orgs/${orgSlug}/repos/puppet/releases`;

test.beforeAll(async () => {
  const db = getDb();
  const leader = await createLocalUser(db, { ...lead, displayName: "Rhea Leader" });
  await createLocalUser(db, { ...dev, displayName: "Dev Reviewer" });
  const org = await createOrg(db, { name: orgSlug, source: "local", members: [{ userId: leader.id, role: "leader" }] });
  await addMember(db, org.id, dev.username, "developer");
});

test.afterAll(async () => {
  await closeDb();
});

async function mergeWhenReady(page: Page) {
  const merge = page.getByRole("button", { name: "Merge", exact: true });
  await expect(merge).toBeEnabled({ timeout: 20_000 });
  await merge.click();
  await expect(page.getByText(/^Merged .* as [0-9a-f]{8}/)).toBeVisible();
}

test("a leader bakes release v1.0.0 through the wizard, a developer approves it, and its tarball downloads", async ({ page }) => {
  await login(page, lead.username, lead.password);
  await page.goto(releasesUrl);
  // The environment cards have room inside their border.
  await expect(page.getByRole("heading", { name: "Production · master" }).locator("..")).toHaveCSS("padding-top", "16px");
  await expect(page.getByRole("region", { name: "Environments" })).toContainText("Nothing in staging");
  await expect(page.getByText("No releases yet")).toBeVisible();

  await page.getByRole("button", { name: "New release" }).click();
  const wizard = page.getByRole("form", { name: "New release" });
  await expect(wizard).toContainText("Last release: none yet");
  await wizard.getByRole("radio", { name: /v1\.0\.0/ }).check();
  await wizard.getByRole("button", { name: "Start release v1.0.0" }).click();
  await expect(page.getByRole("heading", { name: /Release v1\.0\.0/ })).toBeVisible();
  await expect(page.getByText("release/v1.0.0").first()).toBeVisible();
  const mrPage = page.url();

  await page.goto(releasesUrl);
  await expect(page.getByRole("region", { name: "Environments" })).toContainText("release/v1.0.0");
  await logout(page);

  // The release MR needs one approval, and its author cannot give it.
  await login(page, dev.username, dev.password);
  await page.goto(mrPage);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("list", { name: "Approvals" })).toContainText("Dev Reviewer");
  await logout(page);

  await login(page, lead.username, lead.password);
  await page.goto(mrPage);
  await mergeWhenReady(page);

  await page.goto(releasesUrl);
  const published = page.getByRole("list", { name: "Published releases" });
  await expect(published).toContainText("v1.0.0");
  await expect(page.getByRole("region", { name: "Environments" })).toContainText("v1.0.0");
  await expect(page.getByRole("region", { name: "Environments" })).toContainText("Nothing in staging");

  const [download] = await Promise.all([page.waitForEvent("download"), published.getByRole("link", { name: /Download puppet-v1\.0\.0\.tar\.gz/ }).click()]);
  expect(download.suggestedFilename()).toBe("puppet-v1.0.0.tar.gz");
  const file = await download.path();
  const listing = execFileSync("tar", ["-tzf", file]).toString();
  expect(listing).toContain("puppet-v1.0.0/CHANGELOG.md");
  expect(listing).toContain("puppet-v1.0.0/Puppetfile");
  fs.rmSync(file, { force: true });

  // The next suggestion follows the tag.
  await page.getByRole("button", { name: "New hotfix" }).click();
  await expect(page.getByRole("form", { name: "New hotfix" }).getByRole("button", { name: "Start hotfix v1.0.1" })).toBeVisible();
});
