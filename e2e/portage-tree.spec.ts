import type { Page } from "@playwright/test";
import { commitToTestUpstream, setTestUpstreamOnline } from "@/test/support/gentoo-tree";
import { ADMIN, env, expect, login, test } from "./support";

/**
 * The portage tree as its only administrator runs it (Admin → Build farm → Portage tree):
 * upstream moves, "Sync now" brings it into development, "Promote" and "Cherry-pick" open
 * merge requests the tree bot authors, so the same administrator approves and merges them.
 */

const stamp = Date.now().toString(36);

const branchRow = (page: Page, name: string) =>
  page
    .getByRole("table", { name: "Portage tree branches" })
    .getByRole("row")
    .filter({ has: page.getByRole("cell", { name, exact: true }) });
const lastSync = (page: Page) => page.getByRole("table", { name: "Portage tree syncs" }).getByRole("row").nth(1);

/** On a merge request page: approve it as the viewer, then merge it (the source branch goes). */
async function approveAndMerge(page: Page) {
  await expect(page.getByText("Rookery Portage Tree").first()).toBeVisible();
  const status = page.getByRole("region", { name: "Merge status" });
  await expect(status.getByText("Approvals: 0 of 1 required")).toBeVisible();
  await expect(page.getByRole("button", { name: "Merge", exact: true })).toBeDisabled();
  // the protected branch's rule wants one approval, not the author's: the bot's, so the admin's counts
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(status.getByText("Approvals: 1 of 1 required")).toBeVisible();
  await expect(page.getByRole("button", { name: "Merge", exact: true })).toBeEnabled();
  await page.getByRole("button", { name: "Merge", exact: true }).click();
  await expect(page.getByText(/^Merged .* as [0-9a-f]{8}/)).toBeVisible();
}

test("a lone administrator syncs the portage tree, promotes development → staging and cherry-picks a fix into production", async ({ page }) => {
  test.setTimeout(90_000);
  const feature = commitToTestUpstream(env.upstreamDir, { [`metadata/rookery-e2e/${stamp}-feature.txt`]: "a feature\n" }, `e2e ${stamp}: a feature`);
  const fix = commitToTestUpstream(env.upstreamDir, { [`metadata/rookery-e2e/${stamp}-fix.txt`]: "a fix\n" }, `e2e ${stamp}: a security fix`);
  await login(page, ADMIN.username, ADMIN.password);

  // Sync now: upstream's new commits come into development — a fast-forward, or a merge when
  // development has commits of its own (other stories commit GLSAs and profiles there)
  await page.goto("/admin/farm/tree");
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(lastSync(page)).toContainText(/Fast-forward|Merged/, { timeout: 30_000 });
  await expect(page.getByText(`Upstream is at ${fix.slice(0, 12)}`)).toBeVisible();
  await expect(branchRow(page, "development")).toContainText("0 commits");
  const stagingBefore = (await branchRow(page, "staging").getByRole("link").textContent())!;

  // Promote development → staging: the merge request is the bot's, the admin approves and merges it
  await page.getByRole("button", { name: "Promote development → staging" }).click();
  await page.getByRole("link", { name: /merge request !\d+/ }).click();
  await expect(page.getByRole("heading", { name: "Promote the portage tree: development → staging" })).toBeVisible();
  await expect(page.getByText(`Opened for @${ADMIN.username}`)).toBeVisible();
  await approveAndMerge(page);

  await page.goto("/admin/farm/tree");
  await expect(branchRow(page, "staging")).not.toContainText(stagingBefore);
  await expect(branchRow(page, "staging")).toContainText("Merge branch 'development' into 'staging'");
  await expect(branchRow(page, "staging")).toContainText("0 commits");

  // Cherry-pick only the fix into production, the same way
  const form = page.getByRole("region", { name: "Cherry-pick upstream commits" });
  await expect(form.getByLabel("Target branch")).toHaveValue("production");
  await form.getByRole("checkbox", { name: new RegExp(`${fix.slice(0, 12)}.*a security fix`) }).check();
  await expect(form.getByRole("checkbox", { name: new RegExp(feature.slice(0, 12)) })).not.toBeChecked();
  await form.getByRole("button", { name: "Cherry-pick 1 commit into production" }).click();
  await expect(form.getByText(`tree/pick-production-${fix.slice(0, 12)}`)).toBeVisible();
  await form.getByRole("link", { name: /merge request !\d+/ }).click();
  await expect(page.getByRole("heading", { name: `Cherry-pick into production: e2e ${stamp}: a security fix` })).toBeVisible();
  await approveAndMerge(page);

  await page.goto("/admin/farm/tree");
  await expect(branchRow(page, "production")).toContainText(`Merge branch 'tree/pick-production-${fix.slice(0, 12)}' into 'production'`);
  // the fix is there, the feature is not: production still lacks both upstream commits by id
  await page.goto(`/orgs/infrastructure/repos/gentoo/tree/production/metadata/rookery-e2e`);
  await expect(page.getByRole("link", { name: `${stamp}-fix.txt` })).toBeVisible();
  await expect(page.getByRole("link", { name: `${stamp}-feature.txt` })).toHaveCount(0);
});

test("a sync that cannot reach upstream shows why and what to do, and moves nothing", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/farm/tree");
  const development = (await branchRow(page, "development").getByRole("link").textContent())!;
  setTestUpstreamOnline(env.upstreamDir, false);
  try {
    await page.getByRole("button", { name: "Sync now" }).click();
    await expect(lastSync(page)).toContainText("Failed", { timeout: 30_000 });
  } finally {
    setTestUpstreamOnline(env.upstreamDir, true);
  }
  const alert = page.getByRole("alert").filter({ hasText: "Last sync" });
  await expect(alert).toContainText(/failed: Fetching http:\/\/127\.0\.0\.1:\d+\/gentoo\.git \(branch stable\) failed: HTTP 404 \(no repository at this URL\)/);
  await expect(alert).toContainText("Check the repository URL in PORTAGE_TREE_UPSTREAM, then sync again.");
  await expect(alert).toContainText("Nothing was moved");
  await expect(branchRow(page, "development")).toContainText(development);

  // upstream back: the next sync succeeds and the alert is gone
  await page.getByRole("button", { name: "Sync now" }).click();
  await expect(lastSync(page)).toContainText("Up to date", { timeout: 30_000 });
  await expect(alert).toHaveCount(0);
});
