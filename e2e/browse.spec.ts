import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { expect, login, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const member = { username: `browser-${suffix}`, password: `Browse-${suffix}-pass-9` };
const stranger = { username: `peeker-${suffix}`, password: `Peek-${suffix}-pass-9` };
const orgSlug = `browse-${suffix}`;
const repoBase = `/orgs/${orgSlug}/repos/puppet`;
/** Made in beforeAll: Playwright also loads spec files in its runner process, which runs no hooks. */
let work = "";

function git(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("git", args, {
      cwd,
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: "0",
        GIT_AUTHOR_NAME: "Bea Browser",
        GIT_AUTHOR_EMAIL: "bea@rookery.test",
        GIT_COMMITTER_NAME: "Bea Browser",
        GIT_COMMITTER_EMAIL: "bea@rookery.test",
      },
    });
    let stderr = "";
    p.stderr.on("data", (c) => (stderr += c));
    p.on("close", (code) => resolve({ code, stderr }));
  });
}

async function ok(args: string[], cwd: string) {
  const r = await git(args, cwd);
  expect(r.code, `git ${args.join(" ")}: ${r.stderr}`).toBe(0);
}

test.beforeAll(async ({ baseURL }) => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-browse-"));
  const db = getDb();
  const user = await createLocalUser(db, member);
  await createLocalUser(db, stranger);
  await createOrg(db, { name: orgSlug, source: "local", members: [{ userId: user.id, role: "developer" }] });

  // Through the portal with a real git client: a feature branch with a change, and a release tag.
  const url = `${baseURL}/git/${orgSlug}/puppet.git`.replace("://", `://${member.username}:${encodeURIComponent(member.password)}@`);
  await ok(["clone", "--quiet", "--branch", "develop", url, "puppet"], work);
  const dir = path.join(work, "puppet");
  await ok(["tag", "v1.0.0"], dir);
  await ok(["push", "--quiet", "origin", "v1.0.0"], dir);
  await ok(["checkout", "--quiet", "-b", "feature/ntp-pools"], dir);
  fs.appendFileSync(path.join(dir, "hieradata/common.yaml"), "ntp::servers:\n  - 0.pool.ntp.org\n");
  fs.mkdirSync(path.join(dir, "docs"));
  fs.writeFileSync(path.join(dir, "docs/Ünïcode notes.md"), "# Notes with ümlauts\n");
  await ok(["add", "-A"], dir);
  await ok(["commit", "--quiet", "-m", "Use the NTP pool"], dir);
  await ok(["push", "--quiet", "origin", "feature/ntp-pools"], dir);
});

test.afterAll(async () => {
  fs.rmSync(work, { recursive: true, force: true });
  await closeDb();
});

test("a member browses the control repo: files, highlighted YAML, history, a commit's diff, a tag's tarball", async ({ page }) => {
  await login(page, member.username, member.password);
  await page.goto(repoBase);
  const repoNav = page.getByRole("navigation", { name: "Repository" });
  await repoNav.getByRole("link", { name: "Files" }).click();
  await expect(page).toHaveURL(new RegExp(`${repoBase}/tree/develop$`));
  const files = page.getByRole("table", { name: "Files" });
  await expect(files.getByRole("link", { name: "Puppetfile", exact: true })).toBeVisible();
  await files.getByRole("link", { name: "hieradata", exact: true }).click();
  await expect(page.getByRole("navigation", { name: "File path" })).toContainText("puppet/hieradata");
  await files.getByRole("link", { name: "common.yaml" }).click();
  await expect(page).toHaveURL(new RegExp(`${repoBase}/blob/develop/hieradata/common.yaml$`));

  const content = page.getByRole("table", { name: "File content" });
  await expect(content).toContainText("---");
  // Highlighted: tokens carry colours from the grammar (not one plain text run).
  const colours = await content.locator("span[style]").evaluateAll((spans) => new Set(spans.map((s) => getComputedStyle(s).color)).size);
  expect(colours).toBeGreaterThan(1);
  await page.getByRole("link", { name: "1", exact: true }).click();
  await expect(page).toHaveURL(/#L1$/);

  const raw = await page.request.get(`${repoBase}/raw/develop/hieradata/common.yaml`);
  expect(raw.status()).toBe(200);
  expect(raw.headers()["content-type"]).toBe("text/plain; charset=utf-8");
  expect(raw.headers()["x-content-type-options"]).toBe("nosniff");
  expect(await raw.text()).toContain("---");

  // History of the file on a branch whose name has a slash, then the commit and its diff.
  await page
    .getByRole("button", { name: /Switch branch or tag/ })
    .or(page.getByLabel(/Switch branch or tag/))
    .click();
  await page.getByRole("list", { name: "Branches" }).getByRole("link", { name: "feature/ntp-pools" }).click();
  await expect(page).toHaveURL(new RegExp(`${repoBase}/blob/feature/ntp-pools/hieradata/common.yaml$`));
  await expect(content).toContainText("0.pool.ntp.org");
  await page.getByRole("link", { name: "History" }).click();
  await expect(page).toHaveURL(new RegExp(`/commits/feature/ntp-pools\\?path=hieradata%2Fcommon.yaml$`));
  const commits = page.getByRole("list", { name: "Commits" });
  await expect(commits.getByRole("listitem")).toHaveCount(2);
  await commits.getByRole("link", { name: "Use the NTP pool" }).click();
  await expect(page.getByRole("heading", { name: "Use the NTP pool" })).toBeVisible();
  await expect(page.getByText("Bea Browser")).toBeVisible();
  const changed = page.getByRole("region", { name: "Changed files" });
  await expect(changed).toContainText("2 changed files");
  await expect(changed.getByRole("link", { name: "hieradata/common.yaml" })).toBeVisible();
  await expect(page.locator("#diff-1")).toContainText("+ntp::servers:");
  // A file name outside ASCII round-trips through the URL.
  await page.goto(`${repoBase}/tree/feature/ntp-pools/docs`);
  await page.getByRole("table", { name: "Files" }).getByRole("link", { name: "Ünïcode notes.md" }).click();
  await expect(page.getByRole("table", { name: "File content" })).toContainText("Notes with ümlauts");

  // Branches: environment badges and ahead/behind develop.
  await page.getByRole("navigation", { name: "Repository" }).getByRole("link", { name: "Branches" }).click();
  const branches = page.getByRole("table", { name: "Branches" });
  await expect(branches.getByRole("row", { name: /feature\/ntp-pools.*development/ })).toBeVisible();
  await expect(branches.getByLabel("0 behind, 1 ahead of develop")).toBeVisible();
  await expect(branches.getByRole("row", { name: /master.*production/ })).toBeVisible();

  // Tags: download the release as .tar.gz and look inside.
  await page.getByRole("navigation", { name: "Repository" }).getByRole("link", { name: "Tags" }).click();
  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download v1.0.0 as .tar.gz" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe("puppet-v1.0.0.tar.gz");
  const saved = path.join(work, "release.tar.gz");
  await download.saveAs(saved);
  const bytes = fs.readFileSync(saved);
  expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
  const listing = execFileSync("tar", ["-tzf", saved]).toString().split("\n");
  expect(listing).toEqual(expect.arrayContaining(["puppet-v1.0.0/Puppetfile", "puppet-v1.0.0/hieradata/common.yaml", "puppet-v1.0.0/README.md"]));
});

test("unknown refs, traversal and non-members get 404", async ({ page }) => {
  await login(page, member.username, member.password);
  for (const url of [
    `${repoBase}/tree/no-such-branch`,
    `${repoBase}/blob/develop/no/such/file`,
    `${repoBase}/commit/0123456789abcdef`,
    `${repoBase}/compare/develop...nope`,
  ]) {
    const res = await page.goto(url);
    expect(res?.status(), url).toBe(404);
  }
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  for (const url of [
    `${repoBase}/raw/develop/%2e%2e/%2e%2e/%2e%2e/config`,
    `${repoBase}/raw/develop/..%2f..%2fconfig`,
    `${repoBase}/raw/-n/Puppetfile`,
    `${repoBase}/archive/--format=zip.tar.gz`,
    `${repoBase}/archive/v9.9.9.tar.gz`,
    `${repoBase}/blob/develop/%2Fetc%2Fpasswd`,
  ]) {
    const res = await page.request.get(url, { maxRedirects: 0 });
    expect(res.status(), url).toBe(404);
  }
  // A NUL in the URL never reaches the route: the front door answers 400.
  expect((await page.request.get(`${repoBase}/raw/develop/%00`, { maxRedirects: 0 })).status()).toBe(400);

  await page.context().clearCookies();
  await login(page, stranger.username, stranger.password);
  expect((await page.goto(`${repoBase}/tree/develop`))?.status()).toBe(404);
  expect((await page.request.get(`${repoBase}/raw/develop/Puppetfile`)).status()).toBe(404);
  expect((await page.request.get(`${repoBase}/archive/v1.0.0.tar.gz`)).status()).toBe(404);
});

test("a member searches a word in a file and lands on that line; a non-member finds nothing", async ({ page }) => {
  const words = `host of ${orgSlug}`;
  await login(page, member.username, member.password);
  await page.getByRole("searchbox", { name: "Search" }).fill(words.toUpperCase());
  await page.getByRole("searchbox", { name: "Search" }).press("Enter");
  const code = page.getByRole("list", { name: "Code found" });
  await expect(code.locator("mark")).toHaveText(words);
  await code.getByRole("link", { name: `${orgSlug}/puppet: hieradata/common.yaml:2` }).click();
  await expect(page).toHaveURL(new RegExp(`${repoBase}/blob/develop/hieradata/common\\.yaml#L2$`));
  await expect(page.locator("tr#L2")).toContainText(`# Data for every host of ${orgSlug}.`);
  await expect(page.locator("tr:target")).toHaveAttribute("id", "L2");

  await page.goto("/search?q=x");
  await expect(page.getByText("Type at least 2 characters to search.")).toBeVisible();

  await page.context().clearCookies();
  await login(page, stranger.username, stranger.password);
  await page.goto(`/search?q=${encodeURIComponent(words)}`);
  await expect(page.getByRole("heading", { name: "Code (0)" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Code found" })).toHaveCount(0);
});
