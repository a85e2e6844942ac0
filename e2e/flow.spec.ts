import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { createRepository } from "@/server/git/manage";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { expect, login, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const leader = { username: `flowlead-${suffix}`, password: `Flow-${suffix}-pass-9` };
const orgSlug = `floworg-${suffix}`;
const repoDirOnDisk = (name = "puppet") => path.join(process.env.ROOKERY_DATA_DIR!, "git", orgSlug, `${name}.git`);
let org: Awaited<ReturnType<typeof createOrg>>;

test.beforeAll(async () => {
  const db = getDb();
  const lead = await createLocalUser(db, { ...leader, displayName: "Flo Leader" });
  org = await createOrg(db, { name: orgSlug, source: "local", members: [{ userId: lead.id, role: "leader" }] });
});

test.afterAll(async () => {
  await closeDb();
});

test("a leader starts a feature, edits hieradata in the browser (bad YAML refused) and sees the commit", async ({ page }) => {
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${orgSlug}/repos/puppet`);

  // Start feature → feature/ntp from develop, listed with its environment.
  await page.getByRole("button", { name: "Start feature" }).click();
  await page.getByLabel("Feature name").fill("ntp");
  await page.getByRole("button", { name: "Create branch" }).click();
  await expect(page.getByText("Created feature/ntp from develop.")).toBeVisible();
  const branches = page.getByRole("table", { name: "Branches" });
  await expect(branches.getByRole("row", { name: /feature\/ntp.*development/ })).toBeVisible();
  // To hieradata/common.yaml on the new branch, and its Edit button.
  await page.getByRole("link", { name: "Browse files" }).click();
  await page.getByRole("link", { name: "hieradata", exact: true }).click();
  await page.getByRole("link", { name: "common.yaml", exact: true }).click();
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgSlug}/repos/puppet/edit/feature/ntp/hieradata/common.yaml$`));
  const editor = page.getByLabel("File content");
  await expect(editor).toHaveValue(/# Data for every host/);
  await expect(page.getByRole("radio", { name: /Commit to feature\/ntp/ })).toBeChecked();
  await editor.fill("---\nntp::servers:\n  - pool.ntp.org\n\tbroken: true\n");
  await page.getByLabel("Commit message").fill("NTP servers for every host");
  await page.getByRole("button", { name: "Commit changes" }).click();
  const problems = page.getByRole("alert").filter({ hasText: "was not committed" });
  await expect(problems).toContainText("hieradata/common.yaml: line 4, column 1: Tabs are not allowed as indentation");

  await editor.fill("---\nntp::servers:\n  - pool.ntp.org\n  - time.example.com\n");
  await page.getByLabel("Sign off this commit").check();
  await page.getByRole("button", { name: "Commit changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgSlug}/repos/puppet/blob/feature/ntp/hieradata/common.yaml$`));
  // Signed off by the person who committed in the browser, as merge rules may require.
  const branchHead = execFileSync("git", ["--git-dir", repoDirOnDisk(), "rev-parse", "refs/heads/feature/ntp"]).toString().trim();
  await page.goto(`/orgs/${orgSlug}/repos/puppet/commit/${branchHead}`);
  await expect(page.getByText(/Signed-off-by: Flo Leader </)).toBeVisible();

  // The commit is the branch's last commit; develop is untouched.
  await page.goto(`/orgs/${orgSlug}/repos/puppet`);
  await expect(branches.getByRole("row", { name: /feature\/ntp.*NTP servers for every host/ })).toBeVisible();
  await expect(branches.getByRole("row", { name: /^develop.*Initial control repository/ })).toBeVisible();

  // Starting it again is refused next to the field.
  await page.getByRole("button", { name: "Start feature" }).click();
  await page.getByLabel("Feature name").fill("ntp");
  await page.getByRole("button", { name: "Create branch" }).click();
  await expect(page.getByText("feature/ntp already exists")).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  // The release button suggests the first minor version.
  await page.getByRole("button", { name: "Start release" }).click();
  await expect(page.getByLabel("Release version")).toHaveValue("v0.1.0");
});

test("editing a protected branch in the browser commits to a new feature branch instead", async ({ page }) => {
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${orgSlug}/repos/puppet/edit/develop/Puppetfile`);
  await expect(page.getByText("develop is protected: open a merge request")).toBeVisible();
  await expect(page.getByRole("radio", { name: /Commit to develop/ })).toHaveCount(0);
  const editor = page.getByLabel("File content");
  const original = await editor.inputValue();
  await editor.fill(original + "mod 'stdlib'\n  :git => 'https://example.com/stdlib.git'\n");
  await page.getByLabel("New feature branch name").fill("stdlib");
  await page.getByRole("button", { name: "Commit changes" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "was not committed" })).toContainText(
    /Puppetfile: line \d+, column 3: option :git does not belong to a mod/,
  );

  await editor.fill(original + "mod 'stdlib',\n  :git => 'https://example.com/stdlib.git',\n  :tag => 'v9.4.1'\n");
  await page.getByRole("button", { name: "Commit changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgSlug}/repos/puppet/blob/feature/stdlib/Puppetfile$`));
  await page.goto(`/orgs/${orgSlug}/repos/puppet`);
  await expect(page.getByRole("table", { name: "Branches" }).getByRole("row", { name: /feature\/stdlib.*Update Puppetfile/ })).toBeVisible();

  // New file (on develop, so on a new feature branch), with a name that needs encoding in URLs.
  await page.getByRole("link", { name: "New file" }).click();
  await page.getByLabel("File path").fill("hieradata/nodes/wéb 1.yaml");
  await page.getByLabel("File content").fill("---\nprofile::web::port: 8080\n");
  await page.getByLabel("Commit message").fill("Data for wéb 1");
  await page.getByLabel("New feature branch name").fill("nodes");
  await page.getByRole("button", { name: "Commit changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/blob/feature/nodes/hieradata/nodes/w%C3%A9b%201\\.yaml$`));
  await expect(page.getByText("profile::web::port")).toBeVisible();
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await expect(page).toHaveURL(/\/edit\/feature\/nodes\/hieradata\/nodes\/w%C3%A9b%201\.yaml$/);
  await expect(page.getByLabel("File content")).toHaveValue("---\nprofile::web::port: 8080\n");
  await expect(page.getByRole("radio", { name: /Commit to feature\/nodes/ })).toBeChecked();
});

test("a leader creates a repository with a README, protects a branch and deletes it after typing its name", async ({ page }) => {
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${orgSlug}/repositories`);
  await page.getByRole("link", { name: "New repository" }).click();
  await page.getByLabel("Repository name").fill("bad name");
  await page.getByRole("button", { name: "Create repository" }).click();
  await expect(page.getByText("Use letters, digits, dots, dashes and underscores")).toBeVisible();
  await page.getByLabel("Repository name").fill("app-notes");
  await page.getByLabel("Description").fill("Notes about our apps");
  await expect(page.getByLabel("Initialize with a README")).toBeChecked();
  await page.getByRole("button", { name: "Create repository" }).click();

  await expect(page).toHaveURL(new RegExp(`/orgs/${orgSlug}/repos/app-notes$`));
  await expect(page.getByRole("heading", { name: "README.md on develop" })).toBeVisible();
  const branches = page.getByRole("table", { name: "Branches" });
  await expect(branches.getByRole("row", { name: /^develop.*Initial commit/ })).toBeVisible();
  await expect(branches.getByRole("row", { name: /^master.*Initial commit/ })).toBeVisible();

  await page.locator(`a[href="/orgs/${orgSlug}/repos/app-notes/settings"]`).click();
  await page.getByLabel("Branch or pattern").fill("support/*");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByLabel("Pattern of rule support/*")).toBeVisible();

  const del = page.getByRole("form", { name: "Delete repository" });
  await expect(del.getByRole("button", { name: "Delete this repository" })).toBeDisabled();
  await del.getByLabel("Type app-notes to confirm").fill("app-notes");
  await del.getByRole("button", { name: "Delete this repository" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgSlug}/repositories$`));
  const list = page.getByRole("list", { name: "Repositories" });
  await expect(list.getByRole("link", { name: "puppet", exact: true })).toBeVisible();
  await expect(list.getByRole("link", { name: "app-notes", exact: true })).toHaveCount(0);
  expect((await page.goto(`/orgs/${orgSlug}/repos/app-notes`))?.status()).toBe(404);
});

test("the project's repositories cannot be renamed or deleted", async ({ page }) => {
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${orgSlug}/repos/role/settings`);
  await expect(page.getByText(/read-only mirror of infrastructure\/role, part of the organization's project/)).toBeVisible();
  await expect(page.getByRole("form", { name: "Delete repository" })).toHaveCount(0);
  await expect(page.getByRole("form", { name: "Rename repository" })).toHaveCount(0);
});

test("a leader runs housekeeping from the repository settings and sees the disk a killed push leaked reclaimed", async ({ page }) => {
  await createRepository(getDb(), org, { name: "tidy", withReadme: true });
  // The quarantine a push killed two hours ago left behind.
  const quarantine = path.join(repoDirOnDisk("tidy"), "objects/tmp_objdir-incoming-killed");
  fs.mkdirSync(path.join(quarantine, "pack"), { recursive: true });
  fs.writeFileSync(path.join(quarantine, "pack/tmp_pack_killed"), randomBytes(3 * 1024 * 1024));
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  for (const p of [path.join(quarantine, "pack/tmp_pack_killed"), path.join(quarantine, "pack"), quarantine]) fs.utimesSync(p, twoHoursAgo, twoHoursAgo);

  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${orgSlug}/repos/tidy/settings`);
  const section = page.getByRole("region", { name: "Housekeeping" });
  await expect(section).toContainText("Housekeeping has not run on this repository yet.");
  await section.getByRole("button", { name: "Run housekeeping now" }).click();
  const last = section.getByLabel("Last housekeeping run");
  await expect(last).toContainText(`run by ${leader.username}`, { timeout: 60_000 });
  await expect(last).toContainText("Succeeded");
  await expect(last).toContainText(/Disk reclaimed\s*(2\.9|3\.0) MB/);
  await expect(last).toContainText("1 leftover of an interrupted push");
  await expect(section.getByRole("button", { name: "Run housekeeping now" })).toBeEnabled();
  expect(fs.existsSync(quarantine)).toBe(false);
});
