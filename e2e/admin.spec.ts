import type { Page } from "@playwright/test";
import PgBoss from "pg-boss";
import { ADMIN, env, expect, login, logout, test, trpcMutation } from "./support";

const stamp = Date.now().toString(36);
const orgName = `Admin Story ${stamp}`;
const orgSlug = `admin-story-${stamp}`;
const member = { username: `e2e-adm-${stamp}`, password: "Member-pass-2026" };
const resetPassword = "Reset-by-admin-2026";

async function createUser(page: Page, username: string, password: string) {
  await page.goto("/admin/users");
  await page.getByRole("button", { name: "New user" }).click();
  const form = page.getByRole("form", { name: "New user" });
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Name", { exact: true }).fill(`Member ${stamp}`);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button", { name: "Create user" }).click();
}

test("an admin creates a local org, adds a local member, archives it; the audit log shows it; non-admins get 404", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);

  // Overview links to every section.
  await page.goto("/admin");
  await expect(page.getByRole("heading", { name: "Admin area" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Instance summary" }).getByRole("link", { name: "Users" })).toBeVisible();

  // A local user, with the strength rule shown next to the field first.
  await createUser(page, member.username, "short");
  await expect(page.getByText("Password must be at least 12 characters")).toBeVisible();
  await page.getByRole("form", { name: "New user" }).getByLabel("Password").fill(member.password);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText(`Created local user ${member.username}.`)).toBeVisible();
  await page.getByRole("searchbox", { name: "Search users" }).fill(member.username);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const row = page.getByRole("row", { name: member.username });
  await expect(row.getByText("Local")).toBeVisible();
  await expect(row.getByText("Never")).toBeVisible();

  // The admin corrects the name and sets a new password (the owner signs in with it below).
  await row.getByLabel(`Edit ${member.username}`).click();
  const profile = page.getByRole("form", { name: `Profile of ${member.username}` });
  await profile.getByLabel("Display name").fill(`Morgan ${stamp}`);
  await profile.getByRole("button", { name: "Save profile" }).click();
  await expect(row.getByText(`Morgan ${stamp}`)).toBeVisible();
  const newPassword = page.getByRole("form", { name: `New password for ${member.username}` });
  await newPassword.getByLabel("New password").fill(member.username);
  await newPassword.getByRole("button", { name: "Set password" }).click();
  await expect(newPassword.getByText(/Password must/)).toBeVisible();
  await newPassword.getByLabel("New password").fill(resetPassword);
  await newPassword.getByRole("button", { name: "Set password" }).click();
  await expect(newPassword.getByText("Password set; sign-in locks lifted.")).toBeVisible();

  // The org: created, then a duplicate name is refused next to the field.
  await page.goto("/admin/orgs");
  await page.getByRole("link", { name: "New organization" }).first().click();
  await page.getByLabel("Name").fill(orgName);
  await page.getByLabel("Description").fill("Made by the admin story");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgSlug}$`));
  await expect(page.getByRole("heading", { level: 1, name: orgName })).toBeVisible();
  // Creating it did not quietly make the admin a member.
  await expect(page.getByRole("list", { name: "Members" }).getByText(`@${ADMIN.username}`)).toHaveCount(0);
  const unknownLeader = await trpcMutation(page, "orgs.create", { name: `${orgName} two`, leader: "nobody-by-this-name" });
  expect(unknownLeader.status()).toBe(400);
  expect(await unknownLeader.text()).toContain("No user named nobody-by-this-name");

  await page.goto("/admin/orgs/new");
  await page.getByLabel("Name").fill(orgName);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.locator("#org-name-error")).toHaveText("An organization with this name already exists");
  await expect(page).toHaveURL(/\/admin\/orgs\/new$/);

  // Members are added on the org page.
  await page.goto(`/orgs/${orgSlug}`);
  await page.getByRole("form", { name: "Add member" }).getByLabel("Username").fill(member.username);
  await page.getByLabel("Role", { exact: true }).selectOption("developer");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByRole("list", { name: "Members" }).getByText(`@${member.username}`)).toBeVisible();

  // Archive from the admin list; the org page is then read-only.
  await page.goto(`/admin/orgs?q=${encodeURIComponent(orgName)}`);
  const orgRow = page.getByRole("row", { name: orgName });
  await expect(orgRow.getByText("Local")).toBeVisible();
  await expect(orgRow.getByRole("cell", { name: "1", exact: true })).toBeVisible(); // the member; the admin who made it is none
  await orgRow.getByRole("button", { name: `Archive ${orgName}` }).click();
  await expect(orgRow.getByText("Archived")).toBeVisible();
  await expect(orgRow.getByRole("button", { name: `Unarchive ${orgName}` })).toBeVisible();
  await page.goto(`/orgs/${orgSlug}`);
  await expect(page.getByText("This organization is archived: everything in it is read-only.")).toBeVisible();
  await expect(page.getByRole("form", { name: "Add member" })).toHaveCount(0);
  await expect(page.getByRole("list", { name: "Members" }).getByText(`@${member.username}`)).toBeVisible();

  // The audit log, filtered by action, shows the creation and the refused duplicate.
  await page.goto("/admin/audit");
  await page.getByLabel("Action").selectOption("orgs.create");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=orgs\.create/);
  const events = page.getByRole("table", { name: "Audit events" });
  const created = events.getByRole("row").filter({ hasText: orgSlug });
  await expect(created.getByText("Success")).toBeVisible();
  await expect(created.getByRole("cell", { name: ADMIN.username, exact: true })).toBeVisible();
  await expect(events.getByRole("row").filter({ hasText: "An organization with this name already exists" }).first().getByText("Failed")).toBeVisible();
  await expect(events.getByText("orgs.addMember")).toHaveCount(0);

  // Search finds the org (and the user, for admins).
  await page.getByLabel("Search", { exact: true }).fill(stamp);
  await page.getByLabel("Search", { exact: true }).press("Enter");
  await expect(page.getByRole("list", { name: "Organizations found" }).getByRole("link", { name: orgName })).toBeVisible();
  await expect(page.getByRole("list", { name: "Users found" }).getByText(`@${member.username}`)).toBeVisible();

  // The new member is no admin: the admin area does not exist for them.
  await logout(page);
  await login(page, member.username, resetPassword);
  for (const path of ["/admin", "/admin/users", "/admin/orgs/new", "/admin/jobs", "/admin/audit"]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  }
  await page.goto(`/search?q=${stamp}`);
  await expect(page.getByRole("list", { name: "Organizations found" }).getByRole("link", { name: orgName })).toBeVisible();
  await expect(page.getByRole("list", { name: "Users found" })).toHaveCount(0);
});

test("an admin sees a failed background job with its error and retries it", async ({ page }) => {
  // A queue no worker listens on, so the job stays where the admin puts it.
  const queue = `e2e-admin-jobs-${stamp}`;
  const boss = new PgBoss({ connectionString: env.databaseUrl, schema: "pgboss", supervise: false, schedule: false, max: 2 });
  await boss.start();
  let id: string;
  try {
    await boss.createQueue(queue);
    id = (await boss.send(queue, { what: "e2e" }, { retryLimit: 0 }))!;
    const [job] = await boss.fetch(queue);
    expect(job.id).toBe(id);
    await boss.fail(queue, id, new Error(`mirror unreachable ${stamp}`));
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }

  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin");
  await page.getByRole("link", { name: "Failed jobs" }).click();
  await expect(page).toHaveURL(/\/admin\/jobs\?state=failed/);
  await page.getByLabel("Queue").selectOption(queue);
  await page.getByRole("button", { name: "Filter" }).click();
  const row = page.getByRole("row", { name: `${queue} job ${id}` });
  await expect(row.getByText("Failed")).toBeVisible();
  await expect(row.getByText(`mirror unreachable ${stamp}`, { exact: true })).toBeVisible();
  await row.getByRole("button", { name: `Retry ${queue} job ${id}` }).click();
  await expect(page.getByText("No failed jobs")).toBeVisible();
  await page
    .getByRole("navigation", { name: "Job states" })
    .getByRole("link", { name: /Retrying/ })
    .click();
  await expect(page.getByRole("row", { name: `${queue} job ${id}` }).getByText("Retrying")).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`queue=${queue}`));

  const events = await page.goto(`/admin/audit?action=jobs.retry`);
  expect(events?.status()).toBe(200);
  await expect(page.getByRole("table", { name: "Audit events" }).getByRole("row").filter({ hasText: id })).toContainText("Success");
});

test("a reporter opening an edit URL is told which role it needs (403), an outsider gets 404; an admin deletes a leader, whose work stays", async ({
  page,
}) => {
  const slug = `del-story-${stamp}`;
  const leaver = { username: `e2e-leaver-${stamp}`, password: "Leaver-pass-2026" };
  const reporter = { username: `e2e-drep-${stamp}`, password: "Reporter-pass-2026" };
  const outsider = { username: `e2e-dout-${stamp}`, password: "Outsider-pass-2026" };
  await login(page, ADMIN.username, ADMIN.password);
  for (const u of [leaver, reporter, outsider]) expect((await trpcMutation(page, "admin.createUser", { ...u, isAdmin: false })).ok()).toBe(true);
  expect((await trpcMutation(page, "orgs.create", { name: `Del Story ${stamp}` })).ok()).toBe(true);
  expect((await trpcMutation(page, "orgs.addMember", { slug, username: leaver.username, role: "leader" })).ok()).toBe(true);
  expect((await trpcMutation(page, "orgs.addMember", { slug, username: reporter.username, role: "reporter" })).ok()).toBe(true);
  await logout(page);

  // The leader makes something: a repository, in the org's audit log under their name.
  await login(page, leaver.username, leaver.password);
  const created = await trpcMutation(page, "repoAdmin.create", { slug, name: "kept", withReadme: true });
  expect(created.ok(), await created.text()).toBe(true);
  await logout(page);

  const editUrl = `/orgs/${slug}/repos/kept/edit/develop/README.md`;
  await login(page, reporter.username, reporter.password);
  expect((await page.goto(editUrl))?.status()).toBe(403);
  await expect(page.getByText("403", { exact: true })).toBeVisible();
  await expect(page.getByText("Developers and leaders of this organization can do this; you are a reporter.")).toBeVisible();
  await logout(page);

  await login(page, outsider.username, outsider.password);
  expect((await page.goto(editUrl))?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByText("you are a reporter")).toHaveCount(0);
  await page.goto("/"); // the 404 page has no user menu
  await logout(page);

  // The admin deletes the leader: the confirmation says what happens to their data.
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto(`/admin/users?q=${leaver.username}`);
  const row = page.getByRole("row", { name: leaver.username });
  await row.getByRole("button", { name: `Delete ${leaver.username}` }).click();
  const dialog = page.getByRole("alertdialog", { name: `Delete ${leaver.username}?` });
  await expect(dialog).toContainText(
    "Their memberships and tokens are removed; merge requests, comments and certificates they made stay, shown as by a deleted user.",
  );
  await dialog.getByRole("button", { name: "Delete user" }).click();
  await expect(page.getByRole("row", { name: leaver.username })).toHaveCount(0);

  // The org no longer lists them; what they did is still in its audit log under their name.
  await page.goto(`/orgs/${slug}`);
  await expect(page.getByRole("list", { name: "Members" }).getByText(`@${reporter.username}`)).toBeVisible();
  await expect(page.getByRole("list", { name: "Members" }).getByText(`@${leaver.username}`)).toHaveCount(0);
  await page.goto(`/orgs/${slug}/audit`);
  await expect(page.getByRole("table", { name: "Audit events" }).getByRole("row").filter({ hasText: "repoAdmin.create" })).toContainText(leaver.username);
  await page.goto(`/admin/audit`);
  await expect(page.getByRole("row").filter({ hasText: "admin.deleteUser" }).first()).toContainText(leaver.username);
});
