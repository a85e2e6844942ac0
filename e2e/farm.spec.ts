import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { publishBuild } from "@/server/farm/binhost";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo } from "@/server/git/repos";
import { makeGpkg } from "@/test/support/gpkg";
import { ADMIN, expect, login, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const branch = `feature/e2e-${suffix}`;
const profile = `e2e-${suffix}`;
let work = "";

test.beforeAll(async ({ baseURL }) => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-farm-"));
  const db = getDb();
  // A proposal with one broken profile, as a feature branch of build-profiles.
  const repo = (await getRepo(db, "infrastructure", "build-profiles"))!;
  const dir = await ensureRepoOnDisk(db, repo);
  const develop = (await runGit(["rev-parse", "develop"], { cwd: dir })).stdout.trim();
  await commitFiles(dir, {
    branch,
    parent: develop,
    files: { "profiles/php.yaml": "kind: application\ninherits: linux\nuse:\n  dev-lang/php: curl\npackges:\n  - dev-lang/php\n" },
    message: "php profile with a typo",
  });
  // Two published builds of a new profile, through the domain API: the second upgrades mysql.
  const hello = makeGpkg(work, { category: "app-misc", pf: "hello-2.12-r1", buildId: 1 });
  for (const mysql of ["mysql-8.0.35", "mysql-8.0.36"]) {
    await publishBuild(db, {
      environment: "development",
      arch: "amd64",
      profile,
      parents: [],
      chost: "x86_64-pc-linux-gnu",
      portageProfile: "default/linux/amd64/23.0",
      baseUrl: `${baseURL}/packages`,
      files: [hello, makeGpkg(work, { category: "dev-db", pf: mysql, buildId: 2, slot: "0/23" })],
    });
  }
});

test.afterAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await closeDb();
});

test("an admin reads the build profiles, a validation error, and browses a published binhost", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  // The README's /farm/build without a profile leads to the profiles to pick from.
  await page.goto("/farm/build");
  await expect(page).toHaveURL(/\/farm$/);
  await page.goto("/farm");
  await expect(page.getByRole("heading", { name: "Build profiles" })).toBeVisible();

  const develop = page.getByRole("region", { name: "Branch develop" });
  await expect(develop.getByText("development", { exact: true })).toBeVisible();
  await develop.getByText("rails", { exact: true }).click();
  const rails = develop.getByLabel("Resolved configuration of rails");
  await expect(rails).toContainText("dev-lang/ruby:3.3 (inherited)");
  await expect(rails).toContainText('RUBY_TARGETS "ruby33"');
  await expect(rails).toContainText("dev-db/postgresql -server");
  await expect(develop.getByText("inherits ruby → linux")).toBeVisible();
  await expect(develop.getByText("rails-stack")).toBeVisible();
  await expect(develop.getByRole("link", { name: "binrepos.conf" })).toHaveAttribute("href", "/packages/development/stacks/rails-stack/amd64/binrepos.conf");
  const binrepos = await page.request.get("/packages/development/stacks/rails-stack/amd64/binrepos.conf");
  expect(await binrepos.text()).toContain("[rookery-rails]\npriority = 30\n");

  const proposal = page.getByRole("region", { name: `Branch ${branch}` });
  await expect(proposal.getByRole("alert")).toContainText("profiles/php.yaml:5:1: unknown key packges");

  // The generated build of a profile.
  await rails.getByRole("link", { name: "amd64: portage files and steps" }).click();
  await expect(page.getByRole("heading", { name: "Build of rails for amd64" })).toBeVisible();
  await expect(page.getByText("/etc/portage/binrepos.conf/rookery.conf")).toBeVisible();
  await expect(
    page.getByText("emerge --buildpkg --usepkg --getbinpkg --update --deep --newuse --with-bdeps=y --verbose --color=n @rookery-rails"),
  ).toBeVisible();

  // The binhost listing.
  await page.goto("/farm/binhost");
  await page.getByRole("link", { name: `${profile} in development for amd64` }).click();
  await expect(page.getByRole("heading", { name: `${profile} (development, amd64)` })).toBeVisible();
  await expect(page.getByRole("link", { name: "dev-db/mysql-8.0.36" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Changes since the previous build" })).toHaveText("upgraded dev-db/mysql 8.0.35 → 8.0.36");
  await page.getByRole("link", { name: "Open the binhost directory" }).click();
  await expect(page.getByRole("heading", { name: `Index of /packages/development/gentoo/amd64/${profile}/` })).toBeVisible();
  await page.getByRole("link", { name: "Packages", exact: true }).click();
  await expect(page.locator("body")).toContainText("CPV: dev-db/mysql-8.0.36");
  await expect(page.locator("body")).toContainText("PATH: dev-db/mysql/mysql-8.0.36-2.gpkg.tar");

  // Package search across binhosts.
  await page.goto("/farm/search?q=mysql-8.0.36");
  await expect(page.getByRole("table", { name: "Packages found" }).getByRole("link", { name: profile })).toBeVisible();

  // emerge's view: If-Modified-Since gives 304.
  const res = await page.request.get(`/packages/development/gentoo/amd64/${profile}/Packages`);
  expect(res.status()).toBe(200);
  const again = await page.request.get(`/packages/development/gentoo/amd64/${profile}/Packages`, {
    headers: { "if-modified-since": res.headers()["last-modified"] },
  });
  expect(again.status()).toBe(304);
  expect((await page.request.get("/packages/development/gentoo/amd64/..%2f..%2f.store")).status()).toBe(404);
});

test("an admin manages architectures", async ({ page }) => {
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/farm");
  const table = page.getByRole("table", { name: "Architectures" });
  await expect(table.getByText("x86_64-pc-linux-gnu")).toBeVisible();
  const form = page.getByRole("form", { name: "New architecture" });
  await form.getByLabel("Keyword").fill(`rv${suffix}`);
  await form.getByLabel("CHOST").fill("riscv64-unknown-linux-gnu");
  await form.getByLabel("Default CFLAGS").fill("-O2 -pipe");
  await form.getByRole("button", { name: "Add architecture" }).click();
  await expect(table.getByText(`rv${suffix}`)).toBeVisible();
  await form.getByLabel("Keyword").fill("amd64");
  await form.getByLabel("CHOST").fill("x86_64-pc-linux-gnu");
  await form.getByLabel("Default CFLAGS").fill("-O2");
  await form.getByRole("button", { name: "Add architecture" }).click();
  await expect(form.getByText("Architecture amd64 already exists")).toBeVisible();
});
