import { randomBytes } from "node:crypto";
import { closeDb, getDb } from "@/db/client";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { ADMIN, expect, login, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const leader = { username: `mirlead-${suffix}`, password: `Lead-${suffix}-pass/9` };
const orgSlug = `mirorg-${suffix}`;

test.beforeAll(async () => {
  const db = getDb();
  const lead = await createLocalUser(db, leader);
  await createOrg(db, { name: orgSlug, source: "local", members: [{ userId: lead.id, role: "leader" }] });
});

test.afterAll(async () => {
  await closeDb();
});

test("a leader mirrors an authenticated upstream, sees it synced, and syncs again on demand", async ({ page, baseURL }) => {
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${orgSlug}/repositories`);
  await page.getByRole("link", { name: "Mirror a repository" }).click();
  await expect(page).toHaveURL(`/orgs/${orgSlug}/repos/new-mirror`);
  // The upstream: this portal's own control repo, credentials in the URL as for any private upstream.
  const upstream = `${baseURL!.replace("://", `://${leader.username}:${encodeURIComponent(leader.password)}@`)}/git/${orgSlug}/puppet.git`;
  await page.getByLabel("Upstream URL").fill(upstream);
  await expect(page.getByLabel("Repository name")).toHaveValue("puppet");
  await page.getByRole("button", { name: "Create mirror" }).click();
  await expect(page.getByText("A repository with this name already exists in this organization")).toBeVisible();
  await page.getByLabel("Repository name").fill("control-mirror");
  await page.getByLabel("Fetch").selectOption({ label: "Every 15 minutes" });
  await page.getByRole("button", { name: "Create mirror" }).click();

  await expect(page).toHaveURL(new RegExp(`/orgs/${orgSlug}/repos/control-mirror$`));
  const panel = page.getByRole("region", { name: "Pull mirror" });
  await expect(panel.getByText(`${baseURL}/git/${orgSlug}/puppet.git`)).toBeVisible();
  await expect(panel.getByText("ok", { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(panel).toContainText("fetched every 15 minutes");
  expect(await page.content()).not.toContain(leader.password);
  await page.reload();
  await expect(page.getByRole("table", { name: "Branches" }).getByRole("row", { name: /develop/ })).toBeVisible();

  await panel.getByRole("button", { name: "Sync now" }).click();
  await expect(panel.getByRole("button", { name: "Syncing…" })).toBeDisabled();
  await expect(panel.getByRole("button", { name: "Sync now" })).toBeEnabled({ timeout: 30_000 });
  await expect(panel.getByText("ok", { exact: true })).toBeVisible();
});

test("an administrator runs a backup from the admin area and sees the run", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin");
  await page.getByRole("navigation", { name: "Sidebar" }).getByRole("link", { name: "Backups" }).click();
  await expect(page.getByRole("heading", { name: "Backups" })).toBeVisible();
  const runs = page.getByRole("table", { name: "Backup runs" });
  const before = (await runs.count()) ? await runs.getByRole("row").count() : 1;
  await page.getByRole("button", { name: "Run backup now" }).click();
  await expect(page.getByRole("table", { name: "Backup runs" }).getByRole("row")).toHaveCount(before + 1, { timeout: 60_000 });
  const newest = page.getByRole("table", { name: "Backup runs" }).getByRole("row").nth(1);
  await expect(newest.getByText("Succeeded")).toBeVisible({ timeout: 60_000 });
  await expect(newest).toContainText(`manual by ${ADMIN.username}`);
  await expect(newest).toContainText(/\d+ bundled/);
  await expect(page.getByRole("button", { name: "Run backup now" })).toBeEnabled();
});
