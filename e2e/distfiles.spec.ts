import { randomBytes } from "node:crypto";
import { testDistfiles } from "@/test/support/gentoo-tree";
import { ADMIN, expect, login, logout, test, trpcMutation } from "./support";

/**
 * The distfiles mirror as people meet it: a host fetches a source tarball through /distfiles/,
 * an organization's leader uploads a fetch-restricted one on the org's Distfiles tab (only
 * members and admins get it), and the administrator reads size, hit rate and retention.
 */

const stamp = Date.now().toString(36);
const slug = `distfiles-story-${stamp}`;
const leader = { username: `e2e-dleader-${stamp}`, password: "Leader-pass-2026" };
const outsider = { username: `e2e-doutsider-${stamp}`, password: "Outsider-pass-2026" };
const privateName = `vendor-sdk-${stamp}.tar.gz`;
const privateBytes = randomBytes(3000);

/** formatBytes of components/ui.tsx for sizes below a megabyte */
const shownSize = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`);

test("a host fetches a distfile, a leader uploads a private one only members get, the admin sees size, hit rate and retention", async ({ page, request }) => {
  test.setTimeout(60_000);
  const hello = testDistfiles()["hello-1.0.tar.gz"];

  // A host (anonymous, as portage's wget is) fetches a distfile of the tree twice: the second answer comes from the store
  for (let i = 0; i < 2; i++) {
    const res = await request.get("/distfiles/hello-1.0.tar.gz");
    expect(res.status()).toBe(200);
    expect(Buffer.compare(await res.body(), hello)).toBe(0);
  }
  expect((await request.get("/distfiles/not-in-any-manifest-1.0.tar.gz")).status()).toBe(404);

  // An organization with a leader, and someone outside it
  await login(page, ADMIN.username, ADMIN.password);
  for (const u of [leader, outsider]) expect((await trpcMutation(page, "admin.createUser", { ...u, isAdmin: false })).ok()).toBe(true);
  expect((await trpcMutation(page, "orgs.create", { name: `Distfiles Story ${stamp}`, leader: leader.username })).ok()).toBe(true);
  await logout(page);

  // The leader uploads a fetch-restricted source on the org's Distfiles tab
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${slug}/distfiles`);
  await expect(page.getByText("No private distfiles")).toBeVisible();
  await page.getByLabel("File (its name is the distfile name)").setInputFiles({ name: privateName, mimeType: "application/gzip", buffer: privateBytes });
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByText(`Uploaded ${privateName}`)).toBeVisible();
  const row = page.getByRole("table", { name: "Private distfiles" }).getByRole("row").filter({ hasText: privateName });
  await expect(row).toContainText(shownSize(privateBytes.length));
  const own = await page.request.get(`/distfiles/orgs/${slug}/${privateName}`);
  expect(own.status()).toBe(200);
  expect(Buffer.compare(await own.body(), privateBytes)).toBe(0);
  expect((await page.request.get(`/distfiles/${privateName}`)).status()).toBe(200); // members get it at the mirror's usual path too
  await logout(page);

  // Nobody else: an outsider gets 404 (org path, mirror path and the tab), an anonymous host is asked to sign in
  await login(page, outsider.username, outsider.password);
  expect((await page.request.get(`/distfiles/orgs/${slug}/${privateName}`)).status()).toBe(404);
  expect((await page.request.get(`/distfiles/${privateName}`)).status()).toBe(404);
  expect((await page.goto(`/orgs/${slug}/distfiles`))?.status()).toBe(404);
  await page.goto("/"); // the 404 page has no user menu
  await logout(page);
  const anonymous = await request.get(`/distfiles/${privateName}`);
  expect(anonymous.status()).toBe(401);
  expect(anonymous.headers()["www-authenticate"]).toContain("Basic");

  // The admin's overview: files, total size, hit rate, retention; the public file and the org's private one
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/farm/distfiles");
  await expect(page.getByText("Public files unused for 90 days are removed")).toBeVisible();
  const summary = page.getByRole("region", { name: "Summary" });
  await expect(summary.getByText("Total size")).toBeVisible();
  await expect(summary).toContainText(/Hit rate \(30 days\)\s*\d+\.\d %\s*[1-9]\d* from the store, \d+ fetched upstream/);
  await page.getByLabel("File name contains").fill("hello-1.0");
  await page.getByRole("button", { name: "Search" }).click();
  const stored = page.getByRole("table", { name: "Stored distfiles" });
  const helloRow = stored.getByRole("row").filter({ hasText: "hello-1.0.tar.gz" });
  await expect(helloRow).toContainText("public");
  await expect(helloRow).toContainText(shownSize(hello.length));
  await page.getByLabel("File name contains").fill(privateName);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(stored.getByRole("row").filter({ hasText: privateName })).toContainText(`${slug} (private)`);
});
