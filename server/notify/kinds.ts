/**
 * Every kind of notification Rookery sends. Later features add their kinds here; the
 * preferences page lists them (label + description) and `notify()` applies the defaults
 * when a user has not chosen otherwise.
 */
export type KindInfo = {
  label: string;
  description: string;
  /** When the user has no preference row for the kind. */
  defaults: { inApp: boolean; email: boolean };
  /** Only administrators receive it (and see it on the preferences page). */
  adminOnly?: boolean;
};

export const notificationKinds = {
  "org.member_added": {
    label: "Added to an organization",
    description: "Someone adds you to an organization.",
    defaults: { inApp: true, email: true },
  },
  "security.token_created": {
    label: "Personal access token created",
    description: "A new personal access token is created for your account.",
    defaults: { inApp: true, email: true },
  },
  "security.password_changed": {
    label: "Password changed",
    description: "The password of your local account is changed.",
    defaults: { inApp: true, email: true },
  },
  "mr.review_requested": {
    label: "Review requested",
    description: "Someone asks you to review a merge request.",
    defaults: { inApp: true, email: true },
  },
  "mr.commented": {
    label: "Comment on your merge request",
    description: "Someone comments on a merge request you opened.",
    defaults: { inApp: true, email: true },
  },
  "mr.approved": {
    label: "Your merge request approved",
    description: "Someone approves a merge request you opened.",
    defaults: { inApp: true, email: true },
  },
  "mr.merged": {
    label: "Merge request merged",
    description: "A merge request you opened is merged.",
    defaults: { inApp: true, email: false },
  },
  "ldap.sync_failed": {
    label: "LDAP sync failed",
    description: "A directory synchronisation run fails (administrators).",
    defaults: { inApp: true, email: true },
    adminOnly: true,
  },
  "pki.request_pending": {
    label: "Certificate request to approve",
    description: "A certificate request in your organization waits for your approval.",
    defaults: { inApp: true, email: true },
  },
  "pki.request_decided": {
    label: "Certificate request decided",
    description: "Your certificate request is issued or rejected.",
    defaults: { inApp: true, email: true },
  },
  "pki.cert_expiring": {
    label: "Certificate expiring",
    description: "One of your certificates expires in 30 days, and again 7 days before.",
    defaults: { inApp: true, email: true },
  },
  "pki.crl_stale": {
    label: "CRL about to go stale",
    description: "A CRL the portal serves runs out within 14 days and needs a new offline signature (administrators).",
    defaults: { inApp: true, email: true },
    adminOnly: true,
  },
  "farm.build_failed": {
    label: "Binary package build failed",
    description: "A build of a build-farm profile you own fails (administrators: any profile), naming the package that broke.",
    defaults: { inApp: true, email: true },
  },
  "farm.glsa_affected": {
    label: "Security advisory affects published packages",
    description: "A Gentoo security advisory (GLSA) newly affects a package a binhost publishes (administrators).",
    defaults: { inApp: true, email: true },
    adminOnly: true,
  },
  "farm.build_recovered": {
    label: "Binary package build recovered",
    description: "A build of a profile you own succeeds again after a failure (administrators: any profile).",
    defaults: { inApp: true, email: false },
  },
  "tinderbox.failed": {
    label: "Tinderbox run failed",
    description: "The tinderbox of an organization you lead could not update its puppet repository (the module or file that stopped it).",
    defaults: { inApp: true, email: true },
  },
  "tinderbox.update": {
    label: "Tinderbox update ready",
    description: "The tinderbox of an organization you lead proposes module updates (its merge request, to review and merge from the Updates card).",
    defaults: { inApp: true, email: false },
  },
  "farm.stage_failed": {
    label: "Stage not published",
    description: "A stage build fails, or its tarball does not match its DIGESTS and is refused (administrators).",
    defaults: { inApp: true, email: true },
    adminOnly: true,
  },
  "build.stuck": {
    label: "Build job stuck",
    description: "A queued job has waited a minute and no online runner carries its tags and architecture (administrators).",
    defaults: { inApp: true, email: true },
    adminOnly: true,
  },
} as const satisfies Record<string, KindInfo>;

export type NotificationKind = keyof typeof notificationKinds;

export const kindNames = Object.keys(notificationKinds) as [NotificationKind, ...NotificationKind[]];

export function kindInfo(kind: NotificationKind): KindInfo {
  return notificationKinds[kind];
}

export function isKind(kind: string): kind is NotificationKind {
  return Object.hasOwn(notificationKinds, kind);
}
