import { authorize, can, PolicyError, roleAtLeast, type Actor, type OrgScope } from "../policy";

/** What a sub-CA's policy says about people, beyond the org rules of the table. */
export type CaPeoplePolicy = { requesters: "developer" | "leader" | "admin"; approval: "auto" | "leader" | "admin" };

/** May request (and renew) certificates from this sub-CA in this org. */
export function mayRequestCertificate(actor: Actor, scope: OrgScope, policy: CaPeoplePolicy) {
  if (!can(actor, "org:certs:request", scope)) return false;
  if (can(actor, "pki:admin")) return true;
  return policy.requesters !== "admin" && roleAtLeast(scope.role, policy.requesters);
}

/** May approve or reject this org's pending requests to this sub-CA. */
export function mayApproveCertificate(actor: Actor, scope: OrgScope, policy: CaPeoplePolicy) {
  if (!can(actor, "org:certs:manage", scope)) return false;
  return policy.approval !== "admin" || can(actor, "pki:admin");
}

/** A certificate is seen by whoever requested it and by those who manage the org's certificates. */
export function maySeeCertificate(actor: Actor, scope: OrgScope, cert: { requestedBy: string | null }) {
  return (isRequester(actor, cert) && can(actor, "org:certs:read", scope)) || can(actor, "org:certs:manage", scope);
}

const isRequester = (actor: Actor, cert: { requestedBy: string | null }) => actor.kind === "user" && cert.requestedBy === actor.id;

/** Requesters revoke their own certificates (while they may still request); managers revoke any. */
export function authorizeRevoke(actor: Actor, scope: OrgScope, cert: { requestedBy: string | null }) {
  authorize(actor, "org:certs:request", scope);
  if (!isRequester(actor, cert)) authorize(actor, "org:certs:manage", scope);
}

export function mayRevokeCertificate(actor: Actor, scope: OrgScope, cert: { requestedBy: string | null }) {
  return can(actor, "org:certs:request", scope) && (isRequester(actor, cert) || can(actor, "org:certs:manage", scope));
}

/** Throws FORBIDDEN saying who decides this CA's requests. */
export function authorizeApproval(actor: Actor, scope: OrgScope, policy: CaPeoplePolicy) {
  authorize(actor, "org:certs:manage", scope);
  if (!mayApproveCertificate(actor, scope, policy)) throw new PolicyError("FORBIDDEN", "Requests of this CA are approved by administrators", true);
}
