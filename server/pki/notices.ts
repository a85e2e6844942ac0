import { and, eq, gt, isNotNull, isNull, lte, or } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { certificates, organizations } from "@/db/schema";
import { notify } from "@/server/notify";
import type { CaPolicy } from "./policy";
import type { Cert } from "./certs";

/** Who is told about certificate requests, and when certificates run out. */
async function certLink(db: DbOrTx, cert: Cert) {
  const [o] = cert.orgId ? await db.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, cert.orgId)) : [];
  return o ? `/orgs/${o.slug}/certificates/${cert.id}` : null;
}

export async function noticeRequestPending(db: DbOrTx, cert: Cert, policy: CaPolicy) {
  await notify(db, {
    kind: "pki.request_pending",
    title: `Certificate request for ${cert.commonName} waits for approval`,
    body: `Requested from the ${policy.kind} CA. Approve or reject it on the Certificates page.`,
    link: await certLink(db, cert),
    orgId: cert.orgId,
    ...(policy.approval === "admin" ? { admins: true } : { roles: ["leader"] as const, admins: false }),
    exceptUserIds: cert.requestedBy ? [cert.requestedBy] : [],
  });
}

export async function noticeDecided(db: DbOrTx, cert: Cert) {
  if (!cert.requestedBy) return;
  await notify(db, {
    kind: "pki.request_decided",
    title: cert.state === "issued" ? `Your certificate for ${cert.commonName} is issued` : `Your certificate request for ${cert.commonName} was rejected`,
    body: cert.state === "issued" ? "Download it from its page." : `Reason: ${cert.rejectReason ?? "none given"}`,
    link: await certLink(db, cert),
    orgId: cert.orgId,
    userIds: [cert.requestedBy],
  });
}

const DAY = 86_400_000;

/** Warns requesters (and the org's leaders) 30 and 7 days before a certificate expires, once each. */
export async function warnExpiring(db: DbOrTx, now = new Date()): Promise<number> {
  let sent = 0;
  for (const days of [7, 30] as const) {
    const due = await db
      .select()
      .from(certificates)
      .where(
        and(
          eq(certificates.state, "issued"),
          isNotNull(certificates.notAfter),
          gt(certificates.notAfter, now),
          lte(certificates.notAfter, new Date(now.getTime() + days * DAY)),
          or(isNull(certificates.expiryWarnedDays), gt(certificates.expiryWarnedDays, days)),
        ),
      );
    for (const cert of due) {
      const left = Math.max(0, Math.ceil((cert.notAfter!.getTime() - now.getTime()) / DAY));
      await notify(db, {
        kind: "pki.cert_expiring",
        title: `Certificate ${cert.commonName} expires in ${left} day${left === 1 ? "" : "s"}`,
        body: `Serial ${cert.serial}. Renew it on its page before ${cert.notAfter!.toISOString().slice(0, 10)}.`,
        link: await certLink(db, cert),
        orgId: cert.orgId,
        userIds: cert.requestedBy ? [cert.requestedBy] : [],
        roles: ["leader"],
      });
      await db.update(certificates).set({ expiryWarnedDays: days }).where(eq(certificates.id, cert.id));
      sent++;
    }
  }
  return sent;
}
