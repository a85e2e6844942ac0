import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { closeDb, getDb } from "@/db/client";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { cloneUrl } from "@/server/git/paths";
import { getRepo, insertRepo } from "@/server/git/repos";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { expect, login, logout, test } from "./support";

/**
 * The leader's path from a module's new tag to a release of the puppet repository: "Run
 * tinderbox now", the notification, the Updates card (review, merge), "Bake release".
 */
const suffix = randomBytes(3).toString("hex");
const slug = `tbu-${suffix}`;
const leader = { username: `tbulead-${suffix}`, password: `Lead-${suffix}-pass-9` };
const dev = { username: `tbudev-${suffix}`, password: `Dev-${suffix}-pass-9` };
let moduleDir = "";
let puppetDir = "";

test.beforeAll(async () => {
  const db = getDb();
  const lead = await createLocalUser(db, { ...leader, displayName: "Una Leader" });
  await createLocalUser(db, { ...dev, displayName: "Dev Approver" });
  const org = await createOrg(db, { name: slug, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db, org.id, dev.username, "developer");
  const row = await insertRepo(db, org, { name: "nginx", defaultBranch: "main" });
  moduleDir = await ensureRepoOnDisk(db, { ...row, orgSlug: slug, orgName: slug, orgArchived: false });
  const first = await commitFiles(moduleDir, { branch: "main", files: { "CHANGELOG.md": "## 1.0.0\n- nginx 1.0.0\n" }, message: "Release 1.0.0" });
  await runGit(["tag", "v1.0.0", first], { cwd: moduleDir });
  puppetDir = await ensureRepoOnDisk(db, (await getRepo(db, slug, "puppet"))!);
  const develop = (await runGit(["rev-parse", "refs/heads/develop"], { cwd: puppetDir })).stdout.trim();
  // the portal's workers run this org's tinderbox: its modules are at the portal's PUBLIC_URL, not this process's
  const here = new URL(cloneUrl(slug, "nginx")).origin;
  const portal = new URL(process.env.ROOKERY_E2E_URL!).origin;
  const show = async (file: string) => (await runGit(["show", `develop:${file}`], { cwd: puppetDir })).stdout.replaceAll(here, portal);
  const [pf, lock] = [await show("Puppetfile"), await show("Puppetfile.lock")];
  await commitFiles(puppetDir, {
    branch: "develop",
    parent: develop,
    files: { Puppetfile: `${pf}mod 'nginx', :git => '${portal}/git/${slug}/nginx.git', :tag => 'v1.0.0'\n`, "Puppetfile.lock": lock },
    message: "Add nginx",
  });
  // the puppet repository was released once: v0.1.0 on master
  await runGit(["tag", "v0.1.0", "refs/heads/master"], { cwd: puppetDir });
});

test.afterAll(async () => {
  await closeDb();
});

/** nginx releases 1.1.0 (a new minor version). */
async function tagModule() {
  const parent = (await runGit(["rev-parse", "refs/heads/main"], { cwd: moduleDir })).stdout.trim();
  const sha = await commitFiles(moduleDir, {
    branch: "main",
    parent,
    files: { "CHANGELOG.md": "## 1.1.0\n- nginx 1.1.0: http/3\n\n## 1.0.0\n- nginx 1.0.0\n" },
    message: "Release 1.1.0",
  });
  await runGit(["tag", "v1.1.0", sha], { cwd: moduleDir });
}

async function mergeWhenReady(page: Page) {
  const merge = page.getByRole("button", { name: "Merge", exact: true });
  await expect(merge).toBeEnabled({ timeout: 20_000 });
  await merge.click();
  await expect(page.getByText(/^Merged .* as [0-9a-f]{8}/)).toBeVisible();
}

test("a leader runs the tinderbox, reviews the grouped changes, merges the update and bakes v0.2.0", async ({ page }) => {
  test.setTimeout(240_000);
  // developers see the runs, not the button
  await login(page, dev.username, dev.password);
  await page.goto(`/orgs/${slug}/builds`);
  await expect(page.getByText("No tinderbox runs yet")).toBeVisible();
  await expect(page.getByRole("button", { name: "Run tinderbox now" })).toHaveCount(0);
  await logout(page);

  await tagModule();
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${slug}/builds`);
  await expect(page.getByLabel("Tinderbox schedule")).toContainText("Schedule: daily");
  await page.getByRole("button", { name: "Run tinderbox now" }).click();
  const runs = page.getByRole("table", { name: "Tinderbox runs" });
  await expect(runs).toContainText("MR opened", { timeout: 90_000 });
  await expect(runs).toContainText("manual");
  await expect(page.getByRole("button", { name: "Run tinderbox now" })).toBeEnabled();

  // the notification leads to the Updates card (click 1)
  await page.goto("/notifications");
  await page.getByRole("link", { name: `${slug}: Tinderbox: 1 module updated` }).click();
  const card = page.getByRole("region", { name: "Updates" });
  await expect(card).toContainText("Tinderbox: 1 module updated !1");
  await expect(card).toContainText("✓");

  await card.getByRole("button", { name: "Review changes" }).click();
  const changes = card.getByRole("list", { name: "Changes by module" });
  await expect(changes).toContainText("nginx v1.0.0 → v1.1.0");
  await expect(changes).toContainText("nginx 1.1.0: http/3");

  // click 2: develop needs one approval; the leader's own counts (the tinderbox authored the MR)
  await card.getByRole("button", { name: /merge update$/i }).click();
  await expect(card).toContainText("is in develop and not released yet");

  // click 3: the release wizard, preselected with the minor bump nginx's 1.0 → 1.1 calls for
  await card.getByRole("link", { name: "Bake release" }).click();
  const wizard = page.getByRole("form", { name: "New release" });
  await expect(wizard).toContainText("Last release: v0.1.0");
  await expect(wizard.getByRole("radio", { name: /v0\.2\.0/ })).toBeChecked();
  await wizard.getByRole("button", { name: "Start release v0.2.0" }).click();
  await expect(page.getByRole("heading", { name: /Release v0\.2\.0/ })).toBeVisible();
  const releaseMr = page.url();
  await logout(page);

  // the release merge request into master needs an approval by someone other than its author
  await login(page, dev.username, dev.password);
  await page.goto(releaseMr);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("list", { name: "Approvals" })).toContainText("Dev Approver");
  await logout(page);

  await login(page, leader.username, leader.password);
  await page.goto(releaseMr);
  await mergeWhenReady(page);
  await page.goto(`/orgs/${slug}/repos/puppet/releases`);
  await expect(page.getByRole("list", { name: "Published releases" })).toContainText("v0.2.0");
  const onMaster = (await runGit(["tag", "--merged", "refs/heads/master", "--list", "v0.2.0"], { cwd: puppetDir })).stdout.trim();
  expect(onMaster).toBe("v0.2.0");
  // released: the card has nothing left to say
  await page.goto(`/orgs/${slug}`);
  await expect(page.getByRole("region", { name: "Updates" })).toHaveCount(0);
});
