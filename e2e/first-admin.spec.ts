import fs from "node:fs";
import path from "node:path";
import { setupTokenFor } from "@/server/auth/setup-token";
import { ADMIN, expect, test, trpcMutation } from "./support";

/** The token of the setup link `npm start` printed, from the secret the portal uses. */
function setupLinkToken() {
  const secret =
    process.env.AUTH_SECRET ??
    (JSON.parse(fs.readFileSync(path.join(process.env.ROOKERY_DATA_DIR!, "secrets.json"), "utf8")) as { authSecret: string }).authSecret;
  return setupTokenFor(secret);
}

test("an empty instance sends everyone to setup, which needs the console's link, creates the first admin and then disappears", async ({ page }) => {
  await page.goto("/orgs/anything");
  await expect(page).toHaveURL(/\/setup$/);
  await page.goto("/login");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Welcome to Rookery" })).toBeVisible();
  // Without the link's token there is nothing to fill in, only where to find the link.
  await expect(page.getByText("setup link printed on its console")).toBeVisible();
  await expect(page.getByText("nobody can sign in, directory (LDAP) users included")).toBeVisible();
  await expect(page.getByLabel("Username")).toHaveCount(0);
  const stranger = await trpcMutation(page, "setup.createFirstAdmin", {
    username: "intruder",
    password: ADMIN.password,
    confirm: ADMIN.password,
    token: "guess",
  });
  expect(stranger.status()).toBe(403);
  await page.goto("/setup?token=not-the-token");
  await expect(page.getByText("That setup link is not valid")).toBeVisible();

  await page.goto(`/setup?token=${setupLinkToken()}`);
  await expect(page.getByText("At least 12 characters, mixing letters with digits or symbols, not containing the username")).toBeVisible();

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
  const res = await trpcMutation(page, "setup.createFirstAdmin", {
    username: "second",
    password: ADMIN.password,
    confirm: ADMIN.password,
    token: setupLinkToken(),
  });
  expect(res.status()).toBe(404);
});
