import { expect, type Page } from "@playwright/test";

export const ADMIN = { username: "root", password: "Rookery-admin-2026" };

export const env = {
  databaseUrl: process.env.DATABASE_URL!,
  ldapUrl: process.env.LDAP_URL!,
  mailDir: process.env.ROOKERY_E2E_MAIL_DIR!,
};

export async function login(page: Page, username: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "User menu" }).or(page.getByLabel("User menu"))).toBeVisible();
}

export async function logout(page: Page) {
  await page.getByLabel("User menu").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

/** Calls a tRPC mutation over HTTP as the page's session would. */
export async function trpcMutation(page: Page, path: string, input: unknown) {
  return page.request.post(`/api/trpc/${path}`, { data: { json: input } });
}
