import { test as base, expect, type Locator, type Page } from "@playwright/test";

/**
 * Every spec imports `test` and `expect` from here. A click that lands before React hydrates
 * the page is silently lost, so every locator action first waits until React has hydrated its
 * element: one guard instead of longer timeouts.
 * Each spec also fails on any Content-Security-Policy violation of our own pages.
 */
export const test = base.extend<{ hydrationGuard: void; cspGuard: void }>({
  hydrationGuard: [
    async ({ page }, use) => {
      guardInteractions(page.locator("html"));
      await use();
    },
    { auto: true },
  ],
  // Our CSP (server/security/front-door.ts) must never block our own scripts or styles.
  cspGuard: [
    async ({ page }, use) => {
      const blocked: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" && /Refused to (execute|load|apply|connect|evaluate)/.test(m.text())) blocked.push(m.text());
      });
      await use();
      expect(blocked, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

/**
 * Waits until React has hydrated the element itself (it carries React's props then): the
 * document's mark can come before a streamed page segment is hydrated. Documents that are not
 * the app's (binhost listings, raw files) have nothing to wait for.
 */
async function hydratedElement(locator: Locator) {
  const handle = await locator.elementHandle();
  if (!handle) return;
  try {
    await locator
      .page()
      .waitForFunction((el) => !document.querySelector('script[src*="/_next/"]') || Object.keys(el).some((k) => k.startsWith("__reactProps$")), handle);
  } finally {
    await handle.dispose();
  }
}

const interactions = [
  "click",
  "dblclick",
  "tap",
  "hover",
  "fill",
  "clear",
  "press",
  "pressSequentially",
  "type",
  "check",
  "uncheck",
  "setChecked",
  "selectOption",
  "setInputFiles",
  "dragTo",
] as const;
let guarded = false;

function guardInteractions(sample: Locator) {
  if (guarded) return;
  guarded = true;
  const proto = Object.getPrototypeOf(sample) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of interactions) {
    const action = proto[name];
    proto[name] = async function (this: Locator, ...args: unknown[]) {
      await hydratedElement(this);
      return action.apply(this, args);
    };
  }
}

export const ADMIN = { username: "root", password: "Rookery-admin-2026" };

export const env = {
  databaseUrl: process.env.DATABASE_URL!,
  ldapUrl: process.env.LDAP_URL!,
  mailDir: process.env.ROOKERY_E2E_MAIL_DIR!,
  /** the test upstream of the portage tree and distfiles (test/support/gentoo-tree.ts startTestUpstream) */
  upstreamDir: process.env.ROOKERY_E2E_UPSTREAM_DIR!,
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
