import { and, eq, gt, isNotNull, isNull, lte, or } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { certificateAuthorities, certificates, organizations } from "@/db/schema";
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

/**
 * Administrators hear this long before an offline-signed (root, level-1) CRL's nextUpdate.
 * Sub-CA CRLs live a week and are re-signed with 3 days left, so for them fewer than 2 days
 * left means the re-signing has failed for a day.
 */
export const CRL_STALE_WARNING_MS = 14 * DAY;
const SUB_CA_CRL_STALE_MS = 2 * DAY;

/** Active CAs whose published CRL runs out soon (or has run out), soonest first. */
export async function staleCrls(db: DbOrTx, now = new Date()) {
  const rows = await db
    .select({
      id: certificateAuthorities.id,
      name: certificateAuthorities.name,
      level: certificateAuthorities.level,
      crlNumber: certificateAuthorities.crlNumber,
      crlNextUpdate: certificateAuthorities.crlNextUpdate,
      crlThisUpdate: certificateAuthorities.crlThisUpdate,
      crlStaleWarnedAt: certificateAuthorities.crlStaleWarnedAt,
    })
    .from(certificateAuthorities)
    .where(
      and(
        eq(certificateAuthorities.status, "active"),
        isNotNull(certificateAuthorities.crlNextUpdate),
        lte(certificateAuthorities.crlNextUpdate, new Date(now.getTime() + CRL_STALE_WARNING_MS)),
      ),
    )
    .orderBy(certificateAuthorities.crlNextUpdate);
  return rows
    .map((r) => ({ ...r, crlNextUpdate: r.crlNextUpdate!, left: r.crlNextUpdate!.getTime() - now.getTime() }))
    .filter((r) => r.level !== "sub" || r.left < SUB_CA_CRL_STALE_MS)
    .map(({ left, ...r }) => ({ ...r, expired: left <= 0, daysLeft: Math.max(0, Math.floor(left / DAY)) }));
}

/** What to do about a stale CRL, in one sentence (the notification and the admin page say the same). */
export function staleCrlAdvice(ca: { name: string; level: string; crlNumber: number }) {
  return ca.level === "sub" ?
      `Rookery re-signs the ${ca.name} CRL itself: check that the workers run (Admin → Background jobs, queue pki-refresh).`
    : `Sign a new ${ca.name} CRL on the offline machine (npm run rookery -- pki:crl … --number ${ca.crlNumber + 1}) and upload it in Admin → PKI.`;
}

/** Tells administrators once per published CRL that it runs out within 14 days. */
export async function warnStaleCrls(db: DbOrTx, now = new Date()): Promise<number> {
  let sent = 0;
  for (const ca of await staleCrls(db, now)) {
    if (ca.crlStaleWarnedAt && ca.crlThisUpdate && ca.crlStaleWarnedAt >= ca.crlThisUpdate) continue;
    const when = ca.crlNextUpdate.toISOString().slice(0, 10);
    await notify(db, {
      kind: "pki.crl_stale",
      title:
        ca.crlNextUpdate <= now ?
          `The ${ca.name} CRL ran out on ${when}`
        : `The ${ca.name} CRL runs out in ${ca.daysLeft} day${ca.daysLeft === 1 ? "" : "s"} (${when})`,
      body: `Relying parties that check CRLs (puppet agents, openssl -crl_check_all) refuse every certificate below ${ca.name} once it has run out. ${staleCrlAdvice(ca)}`,
      link: "/admin/pki",
      admins: true,
    });
    await db.update(certificateAuthorities).set({ crlStaleWarnedAt: now }).where(eq(certificateAuthorities.id, ca.id));
    sent++;
  }
  return sent;
}
