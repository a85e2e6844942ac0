import nodemailer, { type Transporter } from "nodemailer";
import { getConfig } from "@/server/config";
import type { JobData, queues } from "@/server/jobs";

/** One email, as it travels through the notify-email queue. */
export type Mail = JobData<typeof queues.notifyEmail>;

const transports = new Map<string, Transporter>();

function transportFor(url: string) {
  let t = transports.get(url);
  if (!t) {
    t = nodemailer.createTransport(url);
    transports.set(url, t);
  }
  return t;
}

/**
 * Sends through SMTP_URL from MAIL_FROM. Without SMTP_URL nothing is sent (a log line
 * says so) and it returns false; SMTP errors throw so the job is retried.
 */
export async function sendMail(mail: Mail): Promise<boolean> {
  const { url, from } = getConfig().smtp;
  if (!url) {
    console.log(`notify-email: SMTP_URL is not set, not sending "${mail.subject}" to ${mail.to}`);
    return false;
  }
  await transportFor(url).sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
  return true;
}

/** The email for a notification: title as subject, body, absolute link, settings footer. */
export function notificationMail(to: string, n: { title: string; body: string; link: string | null }): Mail {
  const base = getConfig().publicUrl;
  const absolute = (link: string) => (/^https?:\/\//.test(link) ? link : base + (link.startsWith("/") ? link : `/${link}`));
  const parts = [n.title, n.body, n.link ? `Open: ${absolute(n.link)}` : "", `--\nManage your notification settings: ${base}/settings/notifications`];
  return { to, subject: `[Rookery] ${n.title}`, text: parts.filter(Boolean).join("\n\n") + "\n" };
}

/** The notify-email queue handler. */
export async function deliverNotificationEmail(mail: Mail): Promise<void> {
  await sendMail(mail);
}
