import { randomBytes } from "node:crypto";
import http from "node:http";
import { eq } from "drizzle-orm";
import { closeDb, getDb } from "@/db/client";
import { loginThrottle } from "@/db/schema";
import { notify, unreadCount } from "@/server/notify";
import { createLocalUser } from "@/server/users";
import { freePort } from "@/test/support/ports";
import { expect, login, logout, test } from "./support";

/**
 * A page on another port of the same host is "same-site" to the browser: its forms carry
 * the user's cookie. The front door refuses what it sends, and pages refuse to be framed.
 */
let attacker: http.Server;
let attackerUrl = "";

test.beforeAll(async ({ baseURL }) => {
  const port = await freePort();
  attacker = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    if (req.url === "/form")
      res.end(
        `<form id="f" method="post" enctype="multipart/form-data" action="${baseURL}/api/trpc/notifications.markAllRead"><input name="x" value="1"></form><script>document.getElementById("f").submit()</script>`,
      );
    else res.end(`<iframe src="${baseURL}/" width="800" height="600"></iframe>`);
  });
  await new Promise<void>((resolve) => attacker.listen(port, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${port}`;
});
test.afterAll(async () => {
  attacker?.close();
  await closeDb();
});

test("a form on another port of the host cannot change anything with the user's cookie", async ({ page, baseURL }) => {
  const user = { username: `csrf-${randomBytes(3).toString("hex")}`, password: "Victim-secret-2026" };
  const u = await createLocalUser(getDb(), user);
  await notify(getDb(), { kind: "security.token_created", title: "an unread notice", userIds: [u.id] });
  await login(page, user.username, user.password);

  await page.goto(`${attackerUrl}/form`);
  await page.waitForURL(`${baseURL}/api/trpc/notifications.markAllRead`);
  await expect(page.locator("body")).toContainText("Cross-site request refused");
  expect(await unreadCount(getDb(), u.id)).toBe(1);
});

test("pages refuse to be framed by another site", async ({ page }) => {
  const refused = page.waitForEvent("console", { predicate: (m) => /frame-ancestors 'none'/.test(m.text()) });
  await page.goto(`${attackerUrl}/frame`);
  await refused;
});

test("every page answers with the security headers; a NUL in the URL is a 400", async ({ page }) => {
  await login(page, "root", "Rookery-admin-2026");
  const missing: string[] = [];
  page.on("response", (r) => void (r.status() === 404 && missing.push(r.url())));
  await page.goto("/");
  await expect(page.locator("html[data-hydrated]")).toBeAttached();
  expect(missing, "requests a page makes that answer 404 (a favicon, say)").toEqual([]);
  for (const path of ["/", "/login", "/admin", "/farm", "/search?q=x", "/notifications", "/settings/tokens", "/merge_requests", "/no-such-page"]) {
    const r = await page.request.get(path);
    const h = r.headers();
    expect(h["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(h["content-security-policy"], path).toMatch(/script-src 'self' 'nonce-/);
    expect(h["content-security-policy"], path).toContain("object-src 'none'");
    expect(h["x-content-type-options"], path).toBe("nosniff");
    expect(h["x-frame-options"], path).toBe("DENY");
    expect(h["referrer-policy"], path).toBe("same-origin");
  }
  for (const path of [
    `/orgs/${"a".repeat(70)}`,
    `/orgs/${"a".repeat(70)}/repos/x`,
    `/orgs/infrastructure/repos/${"b".repeat(120)}`,
    `/orgs/infrastructure/repos/${"b".repeat(120)}/tree/develop`,
  ])
    expect((await page.request.get(path)).status(), path).toBe(404);
  const nul = await page.request.get("/search?q=%00");
  expect(nul.status()).toBe(400);
  expect(await nul.text()).not.toMatch(/Failed query|select /i);
});

test("five wrong passwords lock that address out; an admin sees it, unlocks, and the lockout is in the audit log", async ({ page }) => {
  const user = { username: `locked-${randomBytes(3).toString("hex")}`, password: "Owner-secret-2026" };
  await createLocalUser(getDb(), user);
  await page.goto("/login");
  const signIn = async (password: string) => {
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill(password);
    await Promise.all([page.waitForResponse((r) => r.url().includes("/api/auth/callback/credentials")), page.getByRole("button", { name: "Sign in" }).click()]);
  };
  const alert = page.getByRole("alert").filter({ hasText: /./ });
  for (let i = 1; i <= 4; i++) {
    await signIn(`wrong-guess-${i}`);
    await expect(alert).toHaveText("Invalid username or password");
  }
  await signIn("wrong-guess-5");
  await expect(alert).toContainText("locked for 10 minutes");
  await signIn(user.password);
  await expect(alert).toContainText("locked");

  await login(page, "root", "Rookery-admin-2026");
  await page.goto(`/admin/users?q=${user.username}`);
  const row = page.getByRole("row", { name: user.username });
  await expect(row.getByText("Sign-in locked")).toBeVisible();
  const [unlocked] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("admin.unlockUser")),
    row.getByRole("button", { name: `Unlock sign-in of ${user.username}` }).click(),
  ]);
  const answer = await unlocked.text();
  expect(unlocked.status(), answer).toBe(200);
  expect(answer, "one address was locked").toContain('"unlocked":1');
  const left = await getDb().select().from(loginThrottle).where(eq(loginThrottle.username, user.username));
  expect(left, "throttle rows after the unlock").toEqual([]);
  await expect(row.getByText("Sign-in locked")).toHaveCount(0);

  await page.goto(`/admin/audit?action=auth.lockout`);
  await expect(page.getByRole("table").getByText(user.username).first()).toBeVisible();
  await logout(page);
  await login(page, user.username, user.password);
});
