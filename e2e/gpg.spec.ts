import { request as pwRequest } from "@playwright/test";
import { ADMIN, expect, login, test } from "./support";

test("an admin generates an environment's package signing key; hosts download the public key without login", async ({ page, baseURL }) => {
  page.on("dialog", (d) => void d.accept());
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/farm");
  const table = page.getByRole("table", { name: "Package signing keys" });
  await expect(table).toBeVisible();
  // Start from no key for staging (a previous run may have left one).
  const remove = table.getByRole("button", { name: "Remove the key of staging" });
  if (await remove.isVisible()) {
    await remove.click();
    await expect(table.getByText("No key: packages of staging are published unsigned")).toBeVisible();
  }
  await table.getByRole("button", { name: "Generate the key of staging" }).click();
  const fpr = table.getByLabel("Fingerprint of staging");
  await expect(fpr).toHaveText(/^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);
  const fingerprint = (await fpr.textContent())!.replace(/ /g, "");
  await expect(table.getByText("Rookery staging packages")).toBeVisible();
  expect(await page.content()).not.toContain("PRIVATE KEY");

  // Anonymous download at the stable URL shown on the page.
  const anon = await pwRequest.newContext({ baseURL });
  const res = await anon.get("/packages/staging/gentoo/signing-key.asc");
  expect(res.status()).toBe(200);
  expect(res.headers()["x-key-fingerprint"]).toBe(fingerprint);
  const armored = await res.text();
  expect(armored).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
  expect(armored).not.toContain("PRIVATE");

  // A broken import is refused with a message, and the key stays.
  await table.getByRole("button", { name: "Import a key for staging" }).click();
  const form = page.getByRole("form", { name: "Import a key for staging" });
  await form.getByLabel("Secret key (ASCII-armored)").fill("not a key");
  await form.getByRole("button", { name: "Import key" }).click();
  await expect(form.getByText(/ASCII-armored secret key/).first()).toBeVisible();
  await form.getByRole("button", { name: "Cancel" }).click();
  await expect(fpr).toHaveText(/[0-9A-F]{4}/);

  // The audit log has it.
  await page.goto("/admin/audit");
  await expect(page.locator("table").getByText("farm.generateSigningKey").first()).toBeVisible();

  await page.goto("/admin/farm");
  await table.getByRole("button", { name: "Remove the key of staging" }).click();
  await expect(table.getByText("No key: packages of staging are published unsigned")).toBeVisible();
  expect((await anon.get("/packages/staging/gentoo/signing-key.asc")).status()).toBe(404);
  await anon.dispose();
});
