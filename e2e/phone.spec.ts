import { randomBytes } from "node:crypto";
import { closeDb, getDb } from "@/db/client";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { expect, login, test } from "./support";

/** At a phone's width (390 px) no page scrolls sideways: wide tables scroll inside themselves. */
const suffix = randomBytes(3).toString("hex");
const leader = { username: `phone-${suffix}`, password: "Narrow-screen-2026" };
const orgSlug = `phone-${suffix}`;

test.use({ viewport: { width: 390, height: 844 } });

test.beforeAll(async () => {
  const user = await createLocalUser(getDb(), { ...leader, isAdmin: true });
  await createOrg(getDb(), { name: orgSlug, source: "local", members: [{ userId: user.id, role: "leader" }] });
});
test.afterAll(closeDb);

test("the main pages fit a phone's width, and the section menu opens from a button", async ({ page }) => {
  await login(page, leader.username, leader.password);
  const repo = `/orgs/${orgSlug}/repos/puppet`;
  const tooWide: string[] = [];
  for (const path of [
    "/",
    `/orgs/${orgSlug}`,
    `/orgs/${orgSlug}/repositories`,
    repo,
    `${repo}/tree/develop/hieradata`,
    `${repo}/blob/develop/Puppetfile`,
    `${repo}/commits/develop`,
    `${repo}/branches`,
    `${repo}/merge_requests`,
    `/orgs/${orgSlug}/certificates`,
    "/merge_requests",
    "/notifications",
    "/settings",
    "/farm",
    "/pipelines",
    "/admin",
    "/admin/users",
    "/admin/runners",
  ]) {
    await page.goto(path);
    await expect(page.locator("html[data-hydrated]")).toBeAttached();
    const { scroll, width, culprits } = await page.evaluate(() => {
      // The innermost elements that reach past the right edge, to say what to fix.
      const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1);
      const innermost = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
      const describe = (el: Element) => `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}">${(el.textContent ?? "").trim().slice(0, 40)}`;
      return { scroll: document.documentElement.scrollWidth, width: window.innerWidth, culprits: innermost.slice(0, 5).map(describe) };
    });
    if (scroll > width) tooWide.push(`${path} is ${scroll} px wide: ${culprits.join(" | ")}`);
  }
  expect(tooWide).toEqual([]);

  await page.goto(`/orgs/${orgSlug}`);
  const sidebar = page.getByRole("navigation", { name: "Sidebar" });
  await expect(sidebar.getByRole("link", { name: "Repositories" })).toBeHidden();
  await sidebar.getByRole("button", { name: /Open the menu/ }).click();
  await sidebar.getByRole("link", { name: "Repositories" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgSlug}/repositories$`));
  await expect(sidebar.getByRole("link", { name: "Repositories" })).toBeHidden();
});
