import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testDatabase } from "@/test/support/db";
import { readMail, startMailSink, type MailSink } from "@/test/support/mail-sink";
import { loadConfig } from "@/server/config";
import { queues, stopBoss } from "@/server/jobs";
import { createLocalUser } from "@/server/users";
import { handlerOf } from "@/workers/handlers";
import { startJobWorker } from "@/test/support/job-worker";
import { sendMail } from "./email";
import { notify } from "./index";

const db = testDatabase();
let sink: MailSink;

beforeAll(async () => {
  sink = await startMailSink(fs.mkdtempSync(path.join(os.tmpdir(), "rookery-mail-")));
  process.env.SMTP_URL = sink.url;
  process.env.MAIL_FROM = "Rookery Test <rookery@rookery.test>";
  process.env.PUBLIC_URL = "https://rookery.example.test";
  loadConfig();
});

afterAll(async () => {
  await stopBoss();
  await sink.stop();
  fs.rmSync(sink.dir, { recursive: true, force: true });
  delete process.env.SMTP_URL;
});

/** The message with quoted-printable soft breaks and escapes undone. */
function decoded(raw: string) {
  const soft = raw.replace(/=\r?\n/g, "");
  return Buffer.from(
    soft.replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    "latin1",
  ).toString("utf8");
}

async function waitForMail(to: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = readMail(sink.dir).find((m) => m.to === to);
    if (found) return { ...found, raw: decoded(found.raw) };
    if (Date.now() > until) throw new Error(`no mail for ${to} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("email delivery", () => {
  it("sends through SMTP_URL from MAIL_FROM", async () => {
    expect(await sendMail({ to: "someone@example.test", subject: "Hello there", text: "Body line\n" })).toBe(true);
    const mail = await waitForMail("someone@example.test");
    expect(mail.raw).toMatch(/^From: Rookery Test <rookery@rookery\.test>/m);
    expect(mail.raw).toMatch(/^To: someone@example\.test/m);
    expect(mail.raw).toMatch(/^Subject: Hello there/m);
    expect(mail.raw).toContain("Body line");
  });

  it("goes notify → notify-email queue → worker handler → SMTP", async () => {
    const u = await createLocalUser(db(), { username: "mailee", password: "Delivery-password-1", email: "mailee@example.test" });
    const worker = await startJobWorker([queues.notifyEmail]);
    await db().transaction((tx) =>
      notify(tx, { userIds: [u.id], kind: "org.member_added", title: "You were added to Acme", body: "As developer.", link: "/orgs/acme" }),
    );
    const mail = await waitForMail("mailee@example.test");
    expect(mail.raw).toMatch(/^Subject: \[Rookery\] You were added to Acme/m);
    expect(mail.raw).toContain("As developer.");
    expect(mail.raw).toContain("https://rookery.example.test/orgs/acme");
    expect(mail.raw).toContain("https://rookery.example.test/settings/notifications");
    await worker.stop();
  });

  it("rejects malformed job data instead of sending something half-made", async () => {
    await expect(handlerOf(queues.notifyEmail).handle({ to: "x@example.test" })).rejects.toThrow(/^notify-email job payload: subject: /);
  });

  it("skips sending, with a log line, when SMTP_URL is not set", async () => {
    delete process.env.SMTP_URL;
    loadConfig();
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await sendMail({ to: "nobody@example.test", subject: "Unsent", text: "x" })).toBe(false);
      expect(log).toHaveBeenCalledWith(expect.stringContaining("SMTP_URL is not set"));
      expect(readMail(sink.dir).some((m) => m.to === "nobody@example.test")).toBe(false);
    } finally {
      log.mockRestore();
      process.env.SMTP_URL = sink.url;
      loadConfig();
    }
  });
});
