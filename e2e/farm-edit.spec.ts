import { randomBytes } from "node:crypto";
import { ADMIN, expect, login, test } from "./support";

const feature = `ruby-yjit-${randomBytes(3).toString("hex")}`;

test("an admin edits a build profile in the browser (feature branch, merge request, profiles check) and runs its build, which shows in the matrix", async ({
  page,
}) => {
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/farm");
  const develop = page.getByRole("region", { name: "Branch develop" });
  await develop.getByText("ruby", { exact: true }).click();
  await develop.getByRole("link", { name: "Edit ruby.yaml" }).click();
  await expect(page).toHaveURL(/\/orgs\/infrastructure\/repos\/build-profiles\/edit\/develop\/profiles\/ruby\.yaml$/);

  const editor = page.getByLabel("File content");
  const original = await editor.inputValue();
  await editor.fill(original.replace(/\n*$/, "\n") + "# YJIT for every Ruby host\n");
  await page.getByLabel("New feature branch name").fill(feature);
  await page.getByRole("checkbox", { name: /Start a merge request into develop/ }).check();
  await page.getByRole("button", { name: "Commit changes" }).click();

  await expect(page).toHaveURL(/\/merge_requests\/new\?/);
  await expect(page.getByLabel("Source branch")).toHaveValue(`feature/${feature}`);
  await expect(page.getByLabel("Target branch")).toHaveValue("develop");
  await page.getByRole("button", { name: "Create merge request" }).click();
  await expect(page.getByRole("heading", { name: /ruby/i }).first()).toBeVisible();

  // The worker validates the pushed profiles and reports on the MR's head.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("list", { name: "Status checks" })).toContainText("build-profiles/validate", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByRole("list", { name: "Status checks" })).toContainText("3 profiles and 1 stack are valid");

  // The admin runs the profile's build: a pipeline for the gentoo runners (none on CI, so it
  // waits in the queue; the build itself is proven in server/farm/pipeline.test.ts).
  await page.goto("/farm");
  const dev = page.getByRole("region", { name: "Branch develop" });
  await dev.getByText("linux", { exact: true }).click();
  await dev.getByRole("link", { name: "amd64: portage files and steps" }).click();
  await page.getByRole("button", { name: "Run this incremental build" }).click();
  await expect(page).toHaveURL(/\/pipelines\/[0-9a-f-]{36}$/);
  await expect(page.getByText("build.development.amd64.linux").first()).toBeVisible();
  await page.goto("/farm/builds");
  await expect(
    page.getByRole("table", { name: "Build matrix" }).getByRole("link", { name: /linux development\/amd64: (queued|pending|created)/ }),
  ).toBeVisible();
});
