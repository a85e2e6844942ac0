import { randomBytes } from "node:crypto";
import { closeDb, getDb } from "@/db/client";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { cloneUrl } from "@/server/git/paths";
import { getRepo, insertRepo } from "@/server/git/repos";
import { createOrg } from "@/server/orgs";
import { runTinderboxNow } from "@/server/tinderbox/run";
import { createLocalUser } from "@/server/users";
import { expect, login, logout, test } from "./support";

/** A leader finds the tinderbox's run on the org's Builds page and follows it to its merge request. */
const suffix = randomBytes(3).toString("hex");
const slug = `tbx-${suffix}`;
const leader = { username: `tblead-${suffix}`, password: `Lead-${suffix}-pass-9` };
const outsider = { username: `tbout-${suffix}`, password: `Out-${suffix}-pass-9` };

test.beforeAll(async () => {
  const db = getDb();
  const lead = await createLocalUser(db, { ...leader, displayName: "Tia Leader" });
  await createLocalUser(db, outsider);
  const org = await createOrg(db, { name: slug, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  // a module of the org with releases v1.0.0 and v1.1.0, followed by tag from v1.0.0
  const row = await insertRepo(db, org, { name: "nginx", defaultBranch: "main" });
  const moduleDir = await ensureRepoOnDisk(db, { ...row, orgSlug: slug, orgName: slug, orgArchived: false });
  let parent: string | undefined;
  for (const v of ["1.0.0", "1.1.0"]) {
    parent = await commitFiles(moduleDir, { branch: "main", parent, files: { "CHANGELOG.md": `## ${v}\n- nginx ${v}\n` }, message: `Release ${v}` });
    await runGit(["tag", `v${v}`, parent], { cwd: moduleDir });
  }
  const puppetDir = await ensureRepoOnDisk(db, (await getRepo(db, slug, "puppet"))!);
  const develop = (await runGit(["rev-parse", "refs/heads/develop"], { cwd: puppetDir })).stdout.trim();
  const pf = (await runGit(["show", "develop:Puppetfile"], { cwd: puppetDir })).stdout;
  await commitFiles(puppetDir, {
    branch: "develop",
    parent: develop,
    files: { Puppetfile: `${pf}mod 'nginx', :git => '${cloneUrl(slug, "nginx")}', :tag => 'v1.0.0'\n` },
    message: "Add nginx",
  });
});

test.afterAll(async () => {
  await closeDb();
});

test("the org's Builds page lists tinderbox runs and links the merge request; outsiders get 404", async ({ page }) => {
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${slug}/builds`);
  await expect(page.getByText("No tinderbox runs yet")).toBeVisible();

  const run = await runTinderboxNow(getDb(), slug);
  expect(run.status).toBe("opened");
  await page.reload();
  const runs = page.getByRole("table", { name: "Tinderbox runs" });
  await expect(runs).toContainText("MR opened");
  await expect(runs).toContainText("module nginx v1.0.0 → v1.1.0");
  await runs.getByRole("link", { name: "!1" }).click();
  await expect(page.getByRole("heading", { name: /Tinderbox: 1 module updated/ })).toBeVisible();
  await expect(page.getByText("1 module updated. No build was run")).toBeVisible();
  await logout(page);

  await login(page, outsider.username, outsider.password);
  const res = await page.goto(`/orgs/${slug}/builds`);
  expect(res?.status()).toBe(404);
});
