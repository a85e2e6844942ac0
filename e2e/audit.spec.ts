import { ADMIN, expect, login, logout, test, trpcMutation } from "./support";

const stamp = Date.now().toString(36);
const slug = `audit-story-${stamp}`;
const leader = { username: `e2e-lead-${stamp}`, password: "Leader-pass-2026" };
const reporter = { username: `e2e-rep-${stamp}`, password: "Reporter-pass-2026" };

test("a leader reads their org's audit log and filters it; a reporter gets 403 saying who may", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  for (const u of [leader, reporter]) {
    const res = await trpcMutation(page, "admin.createUser", { ...u, isAdmin: false });
    expect(res.ok(), await res.text()).toBe(true);
  }
  expect((await trpcMutation(page, "orgs.create", { name: `Audit Story ${stamp}` })).ok()).toBe(true);
  expect((await trpcMutation(page, "orgs.addMember", { slug, username: leader.username, role: "leader" })).ok()).toBe(true);
  await logout(page);

  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${slug}`);
  await page.getByRole("form", { name: "Add member" }).getByLabel("Username").fill(reporter.username);
  await page.getByLabel("Role", { exact: true }).selectOption("reporter");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByRole("list", { name: "Members" }).getByText(`@${reporter.username}`)).toBeVisible();
  await page.getByRole("form", { name: "Add member" }).getByLabel("Username").fill("nobody-by-this-name");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByText("No user named nobody-by-this-name")).toBeVisible();

  await page.getByRole("navigation", { name: "Sidebar" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${slug}/audit$`));
  const events = page.getByRole("table", { name: "Audit events" });
  // Newest first: the failed add, the leader adding the reporter, the admin adding the leader, the creation.
  await expect(events.getByRole("row").nth(1)).toContainText("orgs.addMember");
  await expect(events.getByRole("row").nth(1)).toContainText("Failed");
  await expect(events.getByRole("row").filter({ hasText: reporter.username }).getByText("Success")).toBeVisible();
  await expect(events.getByRole("row").filter({ hasText: "orgs.create" })).toHaveCount(1);

  await page.getByLabel("User", { exact: true }).fill(ADMIN.username);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/user=root/);
  await expect(events.getByRole("row")).toHaveCount(3);
  await expect(events.getByRole("row").filter({ hasText: leader.username })).toHaveCount(1);

  const future = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10);
  await page.goto(`/orgs/${slug}/audit?from=${future}`);
  await expect(page.getByText("No matching events")).toBeVisible();
  await page.goto(`/orgs/${slug}/audit?to=not-a-date`);
  await expect(page.getByText("is not a date like 2026-01-31")).toBeVisible();

  await logout(page);
  await login(page, reporter.username, reporter.password);
  expect((await page.goto(`/orgs/${slug}`))?.status()).toBe(200);
  // The sidebar offers only what the reporter may open.
  const sidebar = page.getByRole("navigation", { name: "Sidebar" });
  await expect(sidebar.getByRole("link", { name: "Repositories" })).toBeVisible();
  await expect(sidebar.getByRole("link", { name: "Audit log" })).toHaveCount(0);
  // Inside an org she can see, a page her role does not allow says which role it needs (403).
  expect((await page.goto(`/orgs/${slug}/audit`))?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Your role does not allow this page" })).toBeVisible();
  expect((await page.goto(`/orgs/${slug}/repos/puppet/edit/develop/Puppetfile`))?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Your role does not allow this page" })).toBeVisible();
  // The API says exactly which role it needs.
  const editor = await page.request.get(
    `/api/trpc/repoAdmin.editor?input=${encodeURIComponent(JSON.stringify({ json: { slug, name: "puppet", segments: ["develop", "Puppetfile"], mode: "edit" } }))}`,
  );
  expect(editor.status()).toBe(403);
  expect(await editor.text()).toContain("Developers and leaders of this organization can do this; you are a reporter.");
  expect((await page.goto(`/admin/audit`))?.status()).toBe(404);
});
