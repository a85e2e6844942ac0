import { randomBytes } from "node:crypto";
import { closeDb, getDb } from "@/db/client";
import { addMember, createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { startHookListener, validSignature, type HookListener } from "@/test/support/hook-listener";
import { expect, login, test } from "./support";

const suffix = randomBytes(3).toString("hex");
const leader = { username: `hooklead-${suffix}`, password: `Lead-${suffix}-pass-9` };
const developer = { username: `hookdev-${suffix}`, password: `Dev-${suffix}-pass-9` };
const orgSlug = `hookorg-${suffix}`;
const secret = `whsec-${randomBytes(12).toString("hex")}`;
let listener: HookListener;

test.beforeAll(async () => {
  listener = await startHookListener();
  const db = getDb();
  const lead = await createLocalUser(db, leader);
  await createLocalUser(db, developer);
  const org = await createOrg(db, { name: orgSlug, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  await addMember(db, org.id, developer.username, "developer");
});

test.afterAll(async () => {
  await listener?.close();
  await closeDb();
});

test("a leader adds a signed webhook, tests it, reads the delivery log and redelivers", async ({ page }) => {
  await login(page, leader.username, leader.password);
  await page.goto(`/orgs/${orgSlug}/repos/puppet`);
  await page.getByRole("main").getByRole("link", { name: "Webhooks" }).click();
  await expect(page.getByRole("heading", { name: /Webhooks/ })).toBeVisible();
  await expect(page.getByText("No webhooks yet")).toBeVisible();

  const form = page.getByRole("form", { name: "Add webhook" });
  await form.getByLabel("URL", { exact: true }).fill(`${listener.url}/ci`);
  await form.getByLabel("Secret token").fill(secret);
  await expect(form.getByLabel("Push events", { exact: true })).toBeChecked();
  await form.getByLabel("Build events", { exact: true }).check();
  await form.getByRole("button", { name: "Add webhook" }).click();

  // The hook's own page: the secret is never shown again.
  await expect(page.getByRole("heading", { name: new RegExp(`${listener.url}/ci`.replace(/[.:/]/g, "\\$&")) })).toBeVisible();
  await expect(page.getByText("Nothing delivered yet")).toBeVisible();
  await expect(page.getByLabel("Secret is set")).toBeVisible();
  expect(await page.content()).not.toContain(secret);

  await page.getByRole("button", { name: "Test", exact: true }).click();
  await expect(page.getByText("Test delivered: HTTP 200")).toBeVisible();
  const deliveries = page.getByRole("list", { name: "Deliveries" });
  await expect(deliveries.getByRole("listitem")).toHaveCount(1);
  const first = deliveries.getByRole("listitem").first();
  await expect(first.getByText("200", { exact: true })).toBeVisible();

  expect(listener.received).toHaveLength(1);
  const got = listener.received[0];
  expect(validSignature(got, secret)).toBe(true);
  expect(got.headers["x-rookery-event"]).toBe("push");
  expect(got.json).toMatchObject({
    object_kind: "push",
    ref: "refs/heads/develop",
    user_username: leader.username,
    project: { path_with_namespace: `${orgSlug}/puppet` },
  });

  // Expand: the request as sent and the endpoint's answer.
  await first.locator("summary").click();
  await expect(first.getByText(`X-Rookery-Delivery: ${got.headers["x-rookery-delivery"]}`)).toBeVisible();
  await expect(first.getByText(/X-Rookery-Signature: sha256=[0-9a-f]{64}/)).toBeVisible();
  await expect(first.getByRole("region", { name: "Attempt 1" }).getByText("ok", { exact: true })).toBeVisible();

  await first.getByRole("button", { name: "Redeliver" }).click();
  await expect(deliveries.getByRole("listitem")).toHaveCount(2);
  await listener.waitFor(2);
  await expect(deliveries.getByRole("listitem").first().getByText("200", { exact: true })).toBeVisible();
  expect(listener.received[1].headers["x-rookery-delivery"]).not.toBe(got.headers["x-rookery-delivery"]);
  expect(listener.received[1].body).toBe(got.body);
  expect(validSignature(listener.received[1], secret)).toBe(true);

  // Change the secret: still hidden, and the next test is signed with the new one.
  await page.getByRole("button", { name: "Change secret" }).click();
  await page.getByLabel("New secret token").fill(`${secret}-v2`);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Webhook saved.")).toBeVisible();
  await page.getByRole("button", { name: "Test", exact: true }).click();
  // The earlier test's "delivered" message is still on the page: wait for the third request itself.
  await listener.waitFor(3);
  await expect(page.getByText("Test delivered: HTTP 200")).toBeVisible();
  expect(validSignature(listener.received[2], `${secret}-v2`)).toBe(true);
  expect(await page.content()).not.toContain(secret);
});

test("organization webhooks are for leaders; developers are told to ask one", async ({ page }) => {
  await login(page, developer.username, developer.password);
  await page.goto(`/orgs/${orgSlug}`);
  await page.getByRole("navigation", { name: "Sidebar" }).getByRole("link", { name: "Webhooks" }).click();
  await expect(page.getByText("Only leaders manage webhooks")).toBeVisible();
  await expect(page.getByRole("form", { name: "Add webhook" })).toHaveCount(0);
});
