import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { closeDb, getDb } from "@/db/client";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { expect, login, logout, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const dev = { username: `mrdev-${suffix}`, password: `Dev-${suffix}-pass-9` };
const lead = { username: `mrlead-${suffix}`, password: `Lead-${suffix}-pass-9` };
const orgSlug = `mrorg-${suffix}`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-mr-"));

function git(args: string[], cwd = path.join(work, "puppet")): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("git", args, {
      cwd,
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: "0",
        GIT_AUTHOR_NAME: "Dana Dev",
        GIT_AUTHOR_EMAIL: "dana@example.test",
        GIT_COMMITTER_NAME: "Dana Dev",
        GIT_COMMITTER_EMAIL: "dana@example.test",
      },
    });
    let stderr = "";
    p.stderr.on("data", (c) => (stderr += c));
    p.on("close", (code) => resolve({ code, stderr }));
  });
}

async function ok(args: string[], cwd?: string) {
  const r = await git(args, cwd);
  expect(r.code, `git ${args.join(" ")}: ${r.stderr}`).toBe(0);
}

/** A branch from develop that rewrites hieradata/common.yaml, pushed with git. */
async function pushBranch(branch: string, content: string, extra: Record<string, string> = {}) {
  await ok(["checkout", "-q", "-B", branch, "origin/develop"]);
  fs.writeFileSync(path.join(work, "puppet/hieradata/common.yaml"), content);
  for (const [file, text] of Object.entries(extra)) fs.writeFileSync(path.join(work, "puppet", file), text);
  await ok(["add", "-A"]);
  await ok(["commit", "-qm", `${branch}: NTP servers`]);
  await ok(["push", "-q", "origin", branch]);
}

async function openMergeRequest(page: Page, source: string, title: string, description: string, reviewer?: string) {
  await page.goto(`/orgs/${orgSlug}/repos/puppet/merge_requests`);
  await page.getByRole("link", { name: "New merge request" }).click();
  await page.getByLabel("Source branch").selectOption(source);
  await page.getByLabel("Target branch").selectOption("develop");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Description").fill(description);
  if (reviewer) await page.getByRole("checkbox", { name: new RegExp(reviewer) }).check();
  await page.getByRole("button", { name: "Create merge request" }).click();
  await expect(page.getByRole("heading", { name: new RegExp(title.replace(/[<>/]/g, ".")) })).toBeVisible();
}

test.beforeAll(async () => {
  const db = getDb();
  const leader = await createLocalUser(db, { ...lead, displayName: "Lee Leader" });
  await createLocalUser(db, { ...dev, displayName: "Dana Dev" });
  const org = await createOrg(db, { name: orgSlug, source: "local", members: [{ userId: leader.id, role: "leader" }] });
  await addMember(db, org.id, dev.username, "developer");
});

test.afterAll(async () => {
  await closeDb();
  fs.rmSync(work, { recursive: true, force: true });
});

test("a developer pushes feature/x and opens a merge request; a leader comments on a line, approves and merges; a conflicting MR shows its files", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000); // a whole story: two users, git pushes, several pages
  const url = `${baseURL}/git/${orgSlug}/puppet.git`.replace("://", `://${dev.username}:${encodeURIComponent(dev.password)}@`);
  await ok(["clone", "-q", "--branch", "develop", url, "puppet"], work);
  const big = Array.from({ length: 700 }, (_, i) => `host${i}.example.test`).join("\n") + "\n";
  await pushBranch("feature/x", "---\nntp::servers:\n  - pool.ntp.org\n", { "hosts.txt": big });
  await pushBranch("feature/conflict", "---\nntp::servers:\n  - time.example.com\n");

  // The developer opens the MR in the browser; the description tries script injection.
  page.on("dialog", (d) => {
    throw new Error(`unexpected dialog: ${d.message()}`);
  });
  await login(page, dev.username, dev.password);
  await openMergeRequest(
    page,
    "feature/x",
    "NTP <b>servers</b>",
    'Adds **NTP**.\n\n<img src=x onerror="alert(1)"> <script>alert(2)</script> [click](javascript:alert(3))',
    "Lee Leader",
  );
  await expect(page.getByText("NTP <b>servers</b>").first()).toBeVisible();
  await expect(page.locator("strong", { hasText: "NTP" })).toBeVisible();
  await expect(page.locator("img[onerror]")).toHaveCount(0);
  await expect(page.locator('a[href^="javascript:"]')).toHaveCount(0);
  await expect(page.getByRole("list", { name: "Reviewers" })).toContainText("Lee Leader");
  await expect(page.getByText("You cannot merge into this branch; a leader can.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0); // authors cannot approve their own
  const mrUrl = page.url();
  await logout(page);

  // The leader sees the review request in the top bar, comments on a line, approves and merges.
  await login(page, lead.username, lead.password);
  await expect(page.getByTestId("review-count")).toHaveText("1");
  await page.goto("/merge_requests");
  await page.getByRole("link", { name: "NTP <b>servers</b>" }).click();
  await expect(page).toHaveURL(mrUrl);
  await page.getByRole("navigation", { name: "Merge request" }).getByRole("link", { name: "Changes" }).click();
  await page.getByRole("button", { name: "Comment on line 3 of hieradata/common.yaml" }).click();
  await page.getByLabel("Comment on line 3 of hieradata/common.yaml").last().fill("Use **our** pool instead?");
  await page.getByRole("button", { name: "Add comment" }).click();
  const thread = page.getByTestId("thread");
  await expect(thread).toContainText("Use our pool instead?");
  await expect(thread.locator("strong", { hasText: "our" })).toBeVisible();
  await thread.getByRole("button", { name: "Resolve thread" }).click();
  await expect(thread.getByText("resolved")).toBeVisible();
  // The 700-line file starts collapsed and loads when opened; side by side shows both columns.
  await page.getByText("hosts.txt").last().click();
  await expect(page.getByText("host699.example.test")).toBeVisible();
  await page.getByRole("link", { name: "Side by side" }).click();
  await expect(page).toHaveURL(/view=split/);
  await expect(page.getByTestId("thread")).toContainText("Use our pool instead?");

  await page.getByRole("navigation", { name: "Merge request" }).getByRole("link", { name: "Commits" }).click();
  await expect(page.getByRole("list", { name: "Commits" })).toContainText("feature/x: NTP servers");

  await page.getByRole("navigation", { name: "Merge request" }).getByRole("link", { name: "Overview" }).click();
  await expect(page.getByText("Approvals: 0 of 1 required")).toBeVisible();
  const status = page.getByRole("region", { name: "Merge status" });
  await expect(status.getByText("blocked: 1 approval required, 0 given")).toBeVisible();
  await expect(status.getByText("can be merged")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Merge", exact: true })).toBeDisabled();
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("list", { name: "Approvals" })).toContainText("Lee Leader");
  await expect(status.getByText("ready to merge")).toBeVisible();
  await page.getByLabel("Delete source branch").check();
  await page.getByRole("button", { name: "Merge", exact: true }).click();
  await expect(page.getByText(/^Merged .* as [0-9a-f]{8}/)).toBeVisible();
  await expect(page.getByRole("region", { name: "Activity" })).toContainText("Lee Leader merged");

  // develop now has the merge commit; feature/x is gone.
  await ok(["fetch", "-q", "--prune", "origin"]);
  expect((await git(["rev-parse", "--verify", "-q", "origin/feature/x"])).code).not.toBe(0);

  // The top bar's search finds the merge request and the repository.
  await page.getByRole("searchbox", { name: "Search" }).fill("servers");
  await page.getByRole("searchbox", { name: "Search" }).press("Enter");
  await expect(page.getByRole("list", { name: "Merge requests found" }).getByRole("link", { name: "NTP <b>servers</b>" })).toBeVisible();

  // The leader requires a green ci/build status for develop.
  await page.goto(`/orgs/${orgSlug}/repos/puppet/settings`);
  const rules = page.getByRole("form", { name: "Merge rules of develop" });
  await rules.getByLabel(/Required status checks/).fill("ci/build");
  await rules.getByRole("button", { name: "Save merge rules" }).click();
  await expect(rules.getByText("Saved")).toBeVisible();

  // The other branch now conflicts on develop: its MR lists the file and how to resolve it.
  await openMergeRequest(page, "feature/conflict", "Other NTP servers", "Conflicts with feature/x.");
  const conflicts = page.getByRole("list", { name: "Conflicting files" });
  await expect(conflicts).toHaveText("hieradata/common.yaml");
  await expect(page.getByText("git merge origin/develop")).toBeVisible();
  await expect(page.getByRole("list", { name: "Status checks" })).toContainText("ci/build expected required");
  await expect(page.getByRole("button", { name: "Merge", exact: true })).toBeDisabled();
});
