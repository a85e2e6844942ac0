import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { publishBuild } from "@/server/farm/binhost";
import { infrastructureRepo } from "@/server/git/infrastructure";
import { commitFiles } from "@/server/git/plumbing/commit";
import { branchHead } from "@/server/git/plumbing/merge";
import { PORTAGE_TREE_REPO } from "@/server/git/repos";
import { makeGpkg } from "@/test/support/gpkg";
import { ADMIN, expect, login, test } from "./support";

/**
 * The GLSA watch: an advisory in the development tree affects a published build; the admin
 * sees it on Admin → Build farm → Security advisories with the fixing version; a fix build is
 * published and, after the scan, the advisory shows as resolved.
 */
const suffix = randomBytes(3).toString("hex");
const profile = `glsa-${suffix}`;
const samples = path.resolve(import.meta.dirname, "../test/fixtures/glsa");
let work = "";

const publish = (baseURL: string, pf: string) =>
  publishBuild(getDb(), {
    environment: "development",
    arch: "amd64",
    profile,
    parents: [],
    chost: "x86_64-pc-linux-gnu",
    portageProfile: "default/linux/amd64/23.0",
    baseUrl: `${baseURL}/packages`,
    files: [makeGpkg(work, { category: "dev-lang", pf, slot: "3.1/3.1", buildId: 1 })],
  });

test.beforeAll(async ({ baseURL }) => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-glsa-"));
  const db = getDb();
  const { dir } = (await infrastructureRepo(db, PORTAGE_TREE_REPO))!;
  // development comes from the portal's first tree sync at start-up
  let parent: string | null = null;
  for (let i = 0; i < 120 && !(parent = await branchHead(dir, "development")); i++) await new Promise((r) => setTimeout(r, 1000));
  expect(parent, "the start-up tree sync created development").toBeTruthy();
  const ruby = fs.readFileSync(path.join(samples, "glsa-202401-01.xml"), "utf8");
  await commitFiles(dir, {
    branch: "development",
    parent: parent!,
    files: {
      "metadata/glsa/glsa-202401-01.xml": ruby,
      "metadata/glsa/glsa-202401-02.xml": ruby.replace('id="202401-01"', 'id="202401-02"').replace("</affected>", ""),
    },
    message: "GLSA 202401-01",
  });
  await publish(baseURL!, "ruby-3.1.3");
});

test.afterAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await closeDb();
});

test("an admin sees a GLSA affecting a published build, and the fix build resolves it", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/farm");
  await page.getByRole("link", { name: "Security advisories" }).click();
  await expect(page.getByRole("heading", { name: "Security advisories" })).toBeVisible();

  await page.getByRole("button", { name: "Scan now" }).click();
  const open = page.getByRole("table", { name: "Open advisories" });
  const row = open.getByRole("row").filter({ hasText: `development/amd64/${profile}` });
  await expect(row).toContainText("GLSA 202401-01", { timeout: 60_000 });
  await expect(row).toContainText("Ruby: Multiple Vulnerabilities");
  await expect(row).toContainText("high");
  await expect(row).toContainText("dev-lang/ruby-3.1.3");
  await expect(row).toContainText(">=3.1.4:3.1");
  // the broken advisory is reported and skipped
  await expect(page.getByRole("heading", { name: "Scan errors" })).toBeVisible();
  await expect(page.getByText("metadata/glsa/glsa-202401-02.xml")).toBeVisible();

  // The fix build is published (its publication queues a scan); the advisory moves to Resolved.
  await publish(baseURL!, "ruby-3.1.4");
  const resolved = page
    .getByRole("table", { name: "Resolved advisories" })
    .getByRole("row")
    .filter({ hasText: `development/amd64/${profile}` });
  await expect(async () => {
    await page.reload();
    await expect(resolved).toContainText("dev-lang/ruby-3.1.3", { timeout: 2_000 });
  }).toPass({ timeout: 90_000 });
  await expect(resolved).toContainText("GLSA 202401-01");
  await expect(row).toHaveCount(0);
});
