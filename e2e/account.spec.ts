import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { closeDb, getDb } from "@/db/client";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { readMail } from "@/test/support/mail-sink";
import { ADMIN, env, expect, login, logout, test } from "./support";

/** A fresh local account for one story, so no other spec's users are touched. */
async function freshUser(prefix: string, withEmail = true) {
  const username = `${prefix}-${randomBytes(3).toString("hex")}`;
  const password = `Fresh-${randomBytes(6).toString("hex")}-9`;
  const email = withEmail ? `${username}@example.test` : null;
  await createLocalUser(getDb(), { username, password, email, displayName: `Fresh ${prefix}` });
  return { username, password, email };
}

/** The sign-in form's error banner (Next's route announcer is an alert too). */
const loginError = (page: Page) => page.locator("form").getByRole("alert");

async function attemptLogin(page: Page, username: string, password: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Undoes quoted-printable soft line breaks and escapes, so mail bodies can be searched. */
function decoded(raw: string) {
  const soft = raw.replace(/=\r?\n/g, "");
  return Buffer.from(
    soft.replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    "latin1",
  ).toString("utf8");
}

test.afterAll(async () => {
  await closeDb();
});

test("a wrong password says only that, and five failures lock the account with a clear message", async ({ page }) => {
  const u = await freshUser("lockme");
  await page.goto("/login");
  for (let i = 1; i <= 4; i++) {
    await attemptLogin(page, u.username, `wrong-password-${i}`);
    await expect(loginError(page)).toHaveText("Invalid username or password");
  }
  // An unknown user gets exactly the same answer.
  await attemptLogin(page, `nobody-${randomBytes(3).toString("hex")}`, "wrong-password-0");
  await expect(loginError(page)).toHaveText("Invalid username or password");

  await attemptLogin(page, u.username, "wrong-password-5");
  await expect(loginError(page)).toHaveText(/Too many failed attempts: this account is locked for 10 minutes/);
  // Even the right password is refused while locked.
  await attemptLogin(page, u.username, u.password);
  await expect(loginError(page)).toHaveText(/locked for 10 minutes/);
  await expect(page).toHaveURL(/\/login/);
});

test("signing out ends the session; the session cookie lives SESSION_MAX_AGE (8 h by default)", async ({ page, context }) => {
  const u = await freshUser("logout");
  await login(page, u.username, u.password);
  const cookie = (await context.cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
  expect(cookie, "session cookie").toBeTruthy();
  const lifetime = cookie!.expires - Date.now() / 1000;
  expect(lifetime).toBeGreaterThan(8 * 3600 - 300);
  expect(lifetime).toBeLessThanOrEqual(8 * 3600 + 60);

  await logout(page);
  await expect(page.getByRole("heading", { name: "Sign in to Rookery" })).toBeVisible();
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/settings/tokens");
  await expect(page).toHaveURL(/\/login/);
});

test("a personal access token is shown once, works as a Bearer token, and stops working when revoked", async ({ page, request }) => {
  const u = await freshUser("tokens");
  await login(page, u.username, u.password);
  await page.getByLabel("User menu").click();
  await page.getByRole("link", { name: "Access tokens" }).click();
  await expect(page.getByRole("heading", { name: "Personal access tokens", exact: true })).toBeVisible();
  await expect(page.getByText("You have no personal access tokens")).toBeVisible();

  // Bad input is explained next to the field.
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByText("Name is required")).toBeVisible();

  const name = `ci-${randomBytes(3).toString("hex")}`;
  await page.getByLabel("Token name").fill(name);
  await page.getByRole("radio", { name: /read/ }).check();
  await page.getByLabel("Expires").selectOption({ label: "30 days" });
  await page.getByRole("button", { name: "Create token" }).click();

  const box = page.getByRole("region", { name: "New personal access token" });
  await expect(box).toBeVisible();
  await expect(box.getByText("you won't see it again")).toBeVisible();
  const token = await box.getByLabel("Token value").inputValue();
  expect(token).toMatch(/^rky_[A-Za-z0-9_-]{40,}$/);

  const row = page.getByRole("row", { name });
  await expect(row).toContainText(token.slice(0, 8));
  await expect(row).toContainText("read");
  await expect(row).toContainText("Active");

  const bearer = { Authorization: `Bearer ${token}` };
  const ok = await request.get("/api/trpc/me.get", { headers: bearer });
  expect(ok.status()).toBe(200);
  expect((await ok.json()).result.data.json.username).toBe(u.username);
  const anonymous = await request.get("/api/trpc/me.get");
  expect(anonymous.status()).toBe(401);

  // Shown once: after a reload only the prefix is left.
  await page.reload();
  await expect(page.getByRole("region", { name: "New personal access token" })).toHaveCount(0);
  await expect(page.getByRole("row", { name })).toContainText(token.slice(0, 8));
  expect(await page.content()).not.toContain(token);
  // It has been used now.
  await expect(page.getByRole("row", { name })).not.toContainText("Never used");

  // Revoking asks first; cancelling keeps it.
  await page.getByRole("button", { name: `Revoke ${name}` }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("row", { name })).toContainText("Active");
  await page.getByRole("button", { name: `Revoke ${name}` }).click();
  await page
    .getByRole("group", { name: `Confirm revoking ${name}` })
    .getByRole("button", { name: "Yes, revoke" })
    .click();
  await expect(page.getByRole("row", { name })).toContainText("Revoked");

  const revoked = await request.get("/api/trpc/me.get", { headers: bearer });
  expect(revoked.status()).toBe(401);

  // The user was told about the new token.
  await expect(page.getByRole("link", { name: /Notifications, 1 unread/ })).toBeVisible();
});

test("a user added to an organization gets an in-app notification and an email", async ({ page }) => {
  const u = await freshUser("joiner");
  const orgName = `Notify Org ${randomBytes(3).toString("hex")}`;
  const org = await createOrg(getDb(), { name: orgName, source: "local" });

  await login(page, ADMIN.username, ADMIN.password);
  await page.goto(`/orgs/${org.slug}`);
  const form = page.getByRole("form", { name: "Add member" });
  await form.getByLabel("Username").fill(u.username);
  await form.getByLabel("Role").selectOption("developer");
  await form.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByRole("list", { name: "Members" })).toContainText(`@${u.username}`);
  await logout(page);

  await login(page, u.username, u.password);
  const bell = page.getByRole("link", { name: "Notifications, 1 unread" });
  await expect(bell).toBeVisible();
  await bell.click();
  await expect(page.getByRole("heading", { name: "Notifications", exact: true })).toBeVisible();
  const item = page.getByRole("listitem", { name: `You were added to ${orgName}` });
  await expect(item).toContainText(`added you to the organization ${orgName} as developer`);
  await item.getByRole("button", { name: /Mark .* as read/ }).click();
  await expect(page.getByRole("link", { name: "Notifications, none unread" })).toBeVisible();
  await page.getByRole("link", { name: `You were added to ${orgName}` }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${org.slug}$`));

  await expect.poll(() => readMail(env.mailDir).find((m) => m.to === u.email), { timeout: 20_000, message: "email in the sink" }).toBeTruthy();
  const mail = decoded(readMail(env.mailDir).find((m) => m.to === u.email)!.raw);
  expect(mail).toMatch(new RegExp(`^Subject: \\[Rookery\\] You were added to ${orgName}`, "m"));
  expect(mail).toMatch(/^From: Rookery <rookery@rookery\.test>/m);
  expect(mail).toContain(`/orgs/${org.slug}`);
});

test("notification preferences are saved per kind, and switching a kind off stops it", async ({ page }) => {
  const u = await freshUser("prefs");
  await login(page, u.username, u.password);
  await page.goto("/settings/notifications");
  await expect(page.getByText(`Emails go to ${u.email}`)).toBeVisible();
  const inApp = page.getByLabel("Personal access token created: in-app");
  const email = page.getByLabel("Personal access token created: email");
  await expect(inApp).toBeChecked();
  await inApp.uncheck();
  await email.uncheck();
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(page.getByText("Preferences saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Personal access token created: in-app")).not.toBeChecked();
  await expect(page.getByLabel("Added to an organization: in-app")).toBeChecked();

  await page.goto("/settings/tokens");
  await page.getByLabel("Token name").fill("quiet");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByRole("region", { name: "New personal access token" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("link", { name: "Notifications, none unread" })).toBeVisible();
  await page.waitForTimeout(2000);
  expect(readMail(env.mailDir).some((m) => m.to === u.email)).toBe(false);
});

test("a local user changes their password on the profile page", async ({ page }) => {
  const u = await freshUser("passwd");
  await login(page, u.username, u.password);
  await page.goto("/settings");
  await expect(page.getByRole("definition").filter({ hasText: `@${u.username}` })).toBeVisible();
  await expect(page.getByText("Local account")).toBeVisible();

  const form = page.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill("not-my-password-1");
  await form.getByLabel("New password", { exact: true }).fill("Another-secret-42");
  await form.getByLabel("Confirm new password").fill("Another-secret-42");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByText("Current password is incorrect")).toBeVisible();

  await form.getByLabel("Current password").fill(u.password);
  await form.getByLabel("New password", { exact: true }).fill("short");
  await form.getByLabel("Confirm new password").fill("short");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByText("Password must be at least 12 characters")).toBeVisible();

  await form.getByLabel("New password", { exact: true }).fill("Another-secret-42");
  await form.getByLabel("Confirm new password").fill("Another-secret-43");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByText("Passwords do not match")).toBeVisible();

  await form.getByLabel("Confirm new password").fill("Another-secret-42");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password was changed.")).toBeVisible();

  await logout(page);
  await attemptLogin(page, u.username, u.password);
  await expect(loginError(page)).toHaveText("Invalid username or password");
  await login(page, u.username, "Another-secret-42");
});
