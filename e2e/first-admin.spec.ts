import { ADMIN, expect, test, trpcMutation } from "./support";

test("an empty instance sends everyone to setup, which creates the first admin and then disappears", async ({ page }) => {
  await page.goto("/orgs/anything");
  await expect(page).toHaveURL(/\/setup$/);
  await page.goto("/login");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Welcome to Rookery" })).toBeVisible();

  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Confirm password").fill("short");
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.getByText("Password must be at least 12 characters")).toBeVisible();

  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill(ADMIN.password + "x");
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.getByText("Passwords do not match")).toBeVisible();

  await page.getByLabel("Confirm password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.getByRole("heading", { name: "Your organizations" })).toBeVisible();
  await expect(page.getByText("You are not in any organization yet")).toBeVisible();

  const again = await page.goto("/setup");
  expect(again?.status()).toBe(404);
  const res = await trpcMutation(page, "setup.createFirstAdmin", { username: "second", password: ADMIN.password, confirm: ADMIN.password });
  expect(res.status()).toBe(404);
});
