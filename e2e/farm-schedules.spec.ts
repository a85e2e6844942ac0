import { ADMIN, expect, login, test } from "./support";

test("an admin schedules a nightly build and a build on every merge, with cron mistakes explained", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/farm");
  await page.getByRole("link", { name: "Build matrix" }).click();
  await expect(page.getByRole("heading", { name: "Build matrix" })).toBeVisible();
  await page.goto("/farm");
  await page.getByRole("link", { name: "Schedules" }).click();
  const form = page.getByRole("form", { name: "Add schedule" });
  await form.getByLabel("Profile or stack").fill("linux");
  await form.getByLabel("Environment").selectOption("development");
  await form.getByLabel("When").selectOption("cron");
  await form.getByLabel("Cron (UTC)").fill("every night");
  await form.getByRole("button", { name: "Add schedule" }).click();
  await expect(form.getByText(/cron expression of 5 fields/)).toBeVisible();
  await form.getByLabel("Cron (UTC)").fill("30 2 * * 1-5");
  await form.getByRole("button", { name: "Add schedule" }).click();
  const table = page.getByRole("table", { name: "Schedules" });
  await expect(table.getByRole("row", { name: /linux.*development \/ amd64.*30 2 \* \* 1-5.*never/ })).toBeVisible();

  await form.getByLabel("Profile or stack").fill("rails-stack");
  await form.getByLabel("stack", { exact: true }).check();
  await form.getByLabel("Environment").selectOption("production");
  await form.getByLabel("When").selectOption("merge");
  await form.getByRole("button", { name: "Add schedule" }).click();
  const onMerge = table.getByRole("row", { name: /rails-stack.*production \/ amd64.*on merge/ });
  await expect(onMerge).toContainText("next change");
  await onMerge.getByRole("button", { name: "Pause" }).click();
  await expect(onMerge).toContainText("paused");
});
