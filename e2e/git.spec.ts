import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeDb, getDb } from "@/db/client";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { expect, login, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const leader = { username: `gitlead-${suffix}`, password: `Lead-${suffix}-pass-9` };
const stranger = { username: `gitnope-${suffix}`, password: `Nope-${suffix}-pass-9` };
const orgSlug = `gitorg-${suffix}`;

function git(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn("git", args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
    let stderr = "";
    p.stderr.on("data", (c) => (stderr += c));
    p.on("close", (code) => resolve({ code, stderr }));
  });
}

test.beforeAll(async () => {
  const db = getDb();
  const lead = await createLocalUser(db, leader);
  await createLocalUser(db, stranger);
  await createOrg(db, { name: orgSlug, source: "local", members: [{ userId: lead.id, role: "leader" }] });
});

test.afterAll(async () => {
  await closeDb();
});

test("a leader of a fresh org finds the puppet, role and profile repos and clones the control repo", async ({ page, baseURL }) => {
  await login(page, leader.username, leader.password);
  await page.getByRole("link", { name: orgSlug }).click();
  await page.getByRole("navigation", { name: "Sidebar" }).getByRole("link", { name: "Repositories" }).click();
  const list = page.getByRole("list", { name: "Repositories" });
  for (const name of ["puppet", "role", "profile"]) await expect(list.getByRole("link", { name, exact: true })).toBeVisible();
  await expect(list.getByText("mirror of infrastructure/role", { exact: true })).toBeVisible();

  await list.getByRole("link", { name: "puppet", exact: true }).click();
  await expect(page.getByRole("heading", { name: /Puppet control repository/ })).toBeVisible();
  const branches = page.getByRole("table", { name: "Branches" });
  await expect(branches.getByRole("row", { name: /master.*production/ })).toBeVisible();
  await expect(branches.getByRole("row", { name: /develop.*development/ })).toBeVisible();
  const cloneUrl = await page.getByLabel("Clone with HTTPS").inputValue();
  expect(cloneUrl).toBe(`${baseURL}/git/${orgSlug}/puppet.git`);

  // A real git client against the running portal, password in the URL as a script would.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-e2e-git-"));
  try {
    const authed = cloneUrl.replace("://", `://${leader.username}:${encodeURIComponent(leader.password)}@`);
    const clone = await git(["clone", "--branch", "develop", authed, "puppet"], dir);
    expect(clone.code, clone.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, "puppet/Puppetfile"), "utf8")).toContain(`/git/${orgSlug}/role.git`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a non-member gets the 404 page for another org's repository and 404 from git", async ({ page, baseURL }) => {
  await login(page, stranger.username, stranger.password);
  const res = await page.goto(`/orgs/${orgSlug}/repos/puppet`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  const gitRes = await fetch(`${baseURL}/git/${orgSlug}/puppet.git/info/refs?service=git-upload-pack`, {
    headers: { authorization: `Basic ${Buffer.from(`${stranger.username}:${stranger.password}`).toString("base64")}` },
  });
  expect(gitRes.status).toBe(404);
});
