import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { LDAP_BASE, ldapModify } from "../test/support/slapd";
import { ADMIN, env, expect, login, logout, test } from "./support";

test.describe.configure({ mode: "serial" });

const CAROL = { username: "carol", password: "carol-password-1" };

/**
 * As the signed-in admin: press "Sync now" on the LDAP page and wait until the run it
 * started is listed as succeeded. Returns that run's table row.
 */
async function syncNow(page: Page) {
  await page.goto("/admin/ldap");
  await expect(page.getByRole("heading", { name: "LDAP sync", level: 1 })).toBeVisible();
  const mine = page
    .getByRole("table", { name: "Sync runs" })
    .getByRole("row")
    .filter({ hasText: `manual by ${ADMIN.username}` });
  const before = await mine.count();
  await page.getByRole("button", { name: "Sync now" }).click();
  // The page refreshes itself while the sync is queued and running.
  await expect(mine).toHaveCount(before + 1, { timeout: 20_000 });
  const run = mine.first();
  await expect(run.getByText("Succeeded")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole("button", { name: "Sync now" })).toBeEnabled();
  return run;
}

test("an LDAP user sees exactly her organizations once an admin has synced the directory", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  await syncNow(page);
  // The configuration is shown, the bind password never.
  const config = page.getByRole("definition").filter({ hasText: env.ldapUrl });
  await expect(config).toBeVisible();
  await expect(page.getByText("service-secret")).toHaveCount(0);
  await logout(page);

  await login(page, CAROL.username, CAROL.password);
  await expect(page.getByRole("heading", { name: "Your organizations" })).toBeVisible();
  const orgs = page.getByRole("list", { name: "Your organizations" }).getByRole("listitem");
  await expect(orgs).toHaveCount(2);
  await expect(orgs.getByRole("link")).toHaveText(["acme", "globex"]);
  for (const org of await orgs.all()) await expect(org.getByText("Developer")).toBeVisible();

  await orgs.getByRole("link", { name: "acme" }).click();
  await expect(page.getByRole("heading", { name: "acme", level: 1 })).toBeVisible();
  await expect(page.getByRole("list", { name: "Leaders" })).toContainText("Alice Anders");
});

test("a newcomer put in an org's group finds the org at her first sign-in, without waiting for a sync", async ({ page }) => {
  const r = randomBytes(3).toString("hex");
  const newcomer = { username: `e2e-new-${r}`, password: "newcomer-password-1" };
  const dn = `uid=${newcomer.username},ou=people,${LDAP_BASE}`;
  const members = `cn=members,o=acme,ou=organizations,${LDAP_BASE}`;
  ldapModify(
    env.ldapUrl,
    [
      `dn: ${dn}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: ${newcomer.username}\ncn: Nina Newcomer ${r}\nsn: Newcomer\nuserPassword: ${newcomer.password}\n`,
      `dn: ${members}\nchangetype: modify\nadd: member\nmember: ${dn}\n`,
    ].join("\n"),
  );
  try {
    await login(page, newcomer.username, newcomer.password);
    const orgs = page.getByRole("list", { name: "Your organizations" }).getByRole("listitem");
    await expect(orgs.getByRole("link")).toHaveText(["acme"]);
    await expect(orgs.getByText("Developer")).toBeVisible();
  } finally {
    ldapModify(env.ldapUrl, [`dn: ${members}\nchangetype: modify\ndelete: member\nmember: ${dn}\n`, `dn: ${dn}\nchangetype: delete\n`].join("\n"));
  }
});

test("a member of one org gets the 404 page for another org, in the browser and in the API", async ({ page }) => {
  await login(page, CAROL.username, CAROL.password);
  const ownPage = await page.goto("/orgs/globex");
  expect(ownPage?.status()).toBe(200);

  // initech exists (bob and frank are in it) but carol is not a member: same answer as for no org at all.
  for (const slug of ["initech", `no-such-org-${randomBytes(3).toString("hex")}`]) {
    const res = await page.goto(`/orgs/${slug}`);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();

    const api = await page.request.get(`/api/trpc/orgs.get?input=${encodeURIComponent(JSON.stringify({ json: { slug } }))}`);
    expect(api.status()).toBe(404);
    expect(await api.text()).not.toContain("Initech");
  }
  const allowed = await page.request.get(`/api/trpc/orgs.get?input=${encodeURIComponent(JSON.stringify({ json: { slug: "acme" } }))}`);
  expect(allowed.status()).toBe(200);

  // Nor is the admin's LDAP page hers to see.
  expect((await page.goto("/admin/ldap"))?.status()).toBe(404);
});

test("an org added to the directory appears with its leaders after the admin presses Sync now", async ({ page }) => {
  const r = randomBytes(3).toString("hex");
  const slug = `e2e-${r}`;
  const orgDn = `o=${slug},ou=organizations,${LDAP_BASE}`;
  // Two new people lead it, so no other story's users change.
  const leaders = ["Lena", "Leo"].map((name) => {
    const uid = `e2e-${name.toLowerCase()}-${r}`;
    return { uid, cn: `${name} Leader ${r}`, dn: `uid=${uid},ou=people,${LDAP_BASE}` };
  });
  ldapModify(
    env.ldapUrl,
    [
      ...leaders.map((l) => `dn: ${l.dn}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: ${l.uid}\ncn: ${l.cn}\nsn: Leader\nmail: ${l.uid}@e2e.test\n`),
      `dn: ${orgDn}\nchangetype: add\nobjectClass: organization\no: ${slug}\ndescription: Added by the LDAP story ${r}\n`,
      `dn: cn=leaders,${orgDn}\nchangetype: add\nobjectClass: groupOfNames\ncn: leaders\n${leaders.map((l) => `member: ${l.dn}`).join("\n")}\n`,
    ].join("\n"),
  );
  try {
    await login(page, ADMIN.username, ADMIN.password);
    const run = await syncNow(page);
    await expect(run.getByRole("cell").nth(4)).toContainText("1 added");

    await page.goto(`/admin/orgs?q=${slug}`);
    await page.getByRole("table", { name: "Organizations" }).getByRole("link", { name: slug }).click();
    await expect(page.getByRole("heading", { name: slug, level: 1 })).toBeVisible();
    await expect(page.getByText(`Added by the LDAP story ${r}`)).toBeVisible();
    const list = page.getByRole("list", { name: "Leaders" });
    await expect(list.getByRole("listitem")).toHaveCount(2);
    for (const l of leaders) await expect(list).toContainText(l.cn);
  } finally {
    // Leave the shared directory as we found it; the next sync archives the org.
    ldapModify(env.ldapUrl, [`cn=leaders,${orgDn}`, orgDn, ...leaders.map((l) => l.dn)].map((dn) => `dn: ${dn}\nchangetype: delete\n`).join("\n"));
  }
});
