/**
 * THE policy: every permission in Rookery is decided here (GitLab's project_policy.rb
 * as a table). Routers and protocol routes ask `can`/`authorize`; none re-implements a rule.
 */

export type OrgRole = "leader" | "developer" | "reporter";

export type Actor =
  | { kind: "anonymous" }
  | {
      kind: "user";
      id: string;
      username: string;
      isAdmin: boolean;
      /** Set when the request authenticated with a personal access token. */
      tokenScope?: "read" | "write";
    }
  /** A farm job's attempt, by its ROOKERY_JOB_TOKEN: reads the tree repositories and the binhost, nothing else (policies/git.ts). */
  | { kind: "job"; jobId: string; pipelineId: string };

/** An organization as seen by one actor: the actor's role in it, if any. */
export type OrgScope = { id: string; archived: boolean; role: OrgRole | null };

type Rule = {
  /** read rules stay allowed for read-scoped tokens and on archived orgs */
  kind: "read" | "write";
  /** "any" = every signed-in user; a role = that role or higher in the org */
  allow: "anyone" | "any-user" | "admin" | OrgRole;
  org?: boolean;
  /** job actors (ROOKERY_JOB_TOKEN) may do only these */
  job?: boolean;
};

const rules = {
  // instance-wide
  "instance:health": { kind: "read", allow: "anyone" },
  "self:read": { kind: "read", allow: "any-user" },
  "self:update": { kind: "write", allow: "any-user" },
  "self:tokens": { kind: "write", allow: "any-user" },
  "admin:access": { kind: "read", allow: "admin" },
  "users:read": { kind: "read", allow: "admin" },
  "users:manage": { kind: "write", allow: "admin" },
  "orgs:list-all": { kind: "read", allow: "admin" },
  "orgs:create": { kind: "write", allow: "admin" },
  "ldap:sync": { kind: "write", allow: "admin" },
  "jobs:read": { kind: "read", allow: "admin" },
  "jobs:retry": { kind: "write", allow: "admin" },
  "audit:read-all": { kind: "read", allow: "admin" },
  "backups:run": { kind: "write", allow: "admin" },
  // build farm: profiles, binhost listings and package search are visible to every user;
  // architectures, environments and publishing belong to admins
  "farm:read": { kind: "read", allow: "any-user" },
  // binary packages are fetched by emerge on every host, without credentials
  "farm:binhost": { kind: "read", allow: "anyone", job: true },
  "farm:manage": { kind: "write", allow: "admin" },
  // stage tarballs (/stages/): fetched by installers and people, without credentials, like the binhost
  "farm:stages": { kind: "read", allow: "anyone", job: true },
  // publishing packages built outside the farm (the binhost API, with a write token)
  "binhost:publish": { kind: "write", allow: "admin" },
  // published builds: notes and tags (`stable`), and rolling a binhost back to an earlier build
  "binhost:builds": { kind: "write", allow: "admin" },
  "binhost:rollback": { kind: "write", allow: "admin" },
  // the public distfiles mirror (/distfiles/): every host's and build's GENTOO_MIRRORS, without credentials
  "farm:distfiles": { kind: "read", allow: "anyone", job: true },
  "runners:read": { kind: "read", allow: "admin" },
  "runners:manage": { kind: "write", allow: "admin" },
  // pipelines without an organization (and every pipeline, for admins)
  "pipelines:read-all": { kind: "read", allow: "admin" },
  "pipelines:run": { kind: "write", allow: "admin" },
  "pipelines:manage": { kind: "write", allow: "admin" },
  "pki:admin": { kind: "write", allow: "admin" },
  // CA certificates, CRLs and OCSP answers: every relying party fetches them without credentials
  "pki:status": { kind: "read", allow: "anyone" },
  // the Puppet CA: every agent request, certificate and autosign token (API and UI)
  "pki:puppet:manage": { kind: "write", allow: "admin" },
  // per organization
  "org:read": { kind: "read", allow: "reporter", org: true },
  "org:members:read": { kind: "read", allow: "reporter", org: true },
  "org:update": { kind: "write", allow: "leader", org: true },
  "org:members:manage": { kind: "write", allow: "leader", org: true },
  "org:audit:read": { kind: "read", allow: "leader", org: true },
  "org:archive": { kind: "write", allow: "admin", org: true },
  "org:hooks": { kind: "write", allow: "leader", org: true },
  // an organization's pipelines: read them, retry/cancel their jobs
  "org:builds:read": { kind: "read", allow: "reporter", org: true },
  "org:builds:manage": { kind: "write", allow: "developer", org: true },
  // an organization's private distfiles (fetch-restricted sources): members fetch them, leaders upload and delete
  "org:distfiles:read": { kind: "read", allow: "reporter", org: true },
  "org:distfiles:manage": { kind: "write", allow: "leader", org: true },
  // repositories (scoped by their org)
  "repo:read": { kind: "read", allow: "reporter", org: true },
  "repo:write": { kind: "write", allow: "developer", org: true },
  "repo:create": { kind: "write", allow: "developer", org: true },
  "repo:admin": { kind: "write", allow: "leader", org: true },
  // moving or deleting an existing tag (releases are immutable for everyone else)
  "tags:rewrite": { kind: "write", allow: "admin" },
  // merge requests and commit statuses (scoped by the repository's org)
  "mr:read": { kind: "read", allow: "reporter", org: true },
  "mr:comment": { kind: "write", allow: "reporter", org: true },
  "mr:create": { kind: "write", allow: "developer", org: true },
  "mr:update": { kind: "write", allow: "developer", org: true },
  "mr:approve": { kind: "write", allow: "developer", org: true },
  /** into an unprotected branch */
  "mr:merge": { kind: "write", allow: "developer", org: true },
  /** into a protected branch (develop, master, release/*, hotfix/*): leaders, by policy and the branch's merge rules */
  "mr:merge-protected": { kind: "write", allow: "leader", org: true },
  "statuses:write": { kind: "write", allow: "developer", org: true },
  // releases: everyone in the org sees them; leaders bake them (release/hotfix branch + MR into master)
  "release:read": { kind: "read", allow: "reporter", org: true },
  "release:start": { kind: "write", allow: "leader", org: true },
  // tinderbox: its runs are seen by everyone in the org (the Builds page)
  "tinderbox:read": { kind: "read", allow: "reporter", org: true },
  // "Run tinderbox now" and the Updates card of the org page: leaders (admins too)
  "tinderbox:run": { kind: "write", allow: "leader", org: true },
  // certificates (scoped by their org); sub-CA policies narrow request and approval further
  "org:certs:read": { kind: "read", allow: "reporter", org: true },
  "org:certs:request": { kind: "write", allow: "developer", org: true },
  "org:certs:manage": { kind: "write", allow: "leader", org: true },
  // puppet agents whose certname lies in the org's domains: sign, reject, revoke, pre-authorize
  "org:puppet:manage": { kind: "write", allow: "leader", org: true },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof rules;
export type OrgAction = { [A in Action]: (typeof rules)[A] extends { org: true } ? A : never }[Action];
export type InstanceAction = Exclude<Action, OrgAction>;

const rank: Record<OrgRole, number> = { reporter: 1, developer: 2, leader: 3 };

export function roleAtLeast(role: OrgRole | null, needed: OrgRole): boolean {
  return role !== null && rank[role] >= rank[needed];
}

export function can(actor: Actor, action: InstanceAction): boolean;
export function can(actor: Actor, action: OrgAction, org: OrgScope): boolean;
export function can(actor: Actor, action: Action, org?: OrgScope): boolean {
  const rule: Rule = rules[action];
  if (rule.allow === "anyone") return true;
  if (actor.kind === "job") return rule.job === true && rule.kind === "read";
  if (actor.kind !== "user") return false;
  if (rule.kind === "write" && actor.tokenScope === "read") return false;
  if (rule.org) {
    if (!org) return false;
    // Archived orgs are read-only for everyone; only an admin may (un)archive.
    if (org.archived && rule.kind === "write" && action !== "org:archive") return false;
  }
  if (actor.isAdmin) return true;
  switch (rule.allow) {
    case "any-user":
      return true;
    case "admin":
      return false;
    default:
      return roleAtLeast(org?.role ?? null, rule.allow);
  }
}

export type Denial = "UNAUTHORIZED" | "NOT_FOUND" | "FORBIDDEN";

export class PolicyError extends Error {
  constructor(
    readonly code: Denial,
    message: string,
    /** a member of the org lacks the role: pages answer 403 with the message, not 404 */
    readonly memberLacksRole = false,
  ) {
    super(message);
  }
}

/** "Leaders of this organization can do this; you are a developer." */
function roleNeeded(allow: Rule["allow"], role: OrgRole | null): string {
  const needed =
    allow === "leader" ? "Leaders"
    : allow === "developer" ? "Developers and leaders"
    : allow === "admin" ? "Administrators"
    : "Members";
  return `${needed} of this organization can do this${role ? `; you are a ${role}` : ""}. Ask one of its leaders if you need it.`;
}

/**
 * Throws when denied. Anonymous callers get UNAUTHORIZED; a user who cannot even read
 * the org gets NOT_FOUND (its existence is not leaked); other denials are FORBIDDEN.
 */
export function authorize(actor: Actor, action: InstanceAction): void;
export function authorize(actor: Actor, action: OrgAction, org: OrgScope | null): asserts org is OrgScope;
export function authorize(actor: Actor, action: Action, org?: OrgScope | null): void {
  const isOrgAction = "org" in rules[action];
  if (isOrgAction && !org) throw new PolicyError("NOT_FOUND", "Not found");
  const allowed = isOrgAction ? can(actor, action as OrgAction, org!) : can(actor, action as InstanceAction);
  if (allowed) return;
  if (actor.kind === "anonymous") throw new PolicyError("UNAUTHORIZED", "Sign in to continue");
  if (actor.kind === "job") throw new PolicyError(isOrgAction ? "NOT_FOUND" : "FORBIDDEN", isOrgAction ? "Not found" : "A job token cannot do this");
  if (isOrgAction && !can(actor, "org:read", org!)) throw new PolicyError("NOT_FOUND", "Not found");
  if (isOrgAction && org!.archived && rules[action].kind === "write") throw new PolicyError("FORBIDDEN", "This organization is archived and read-only");
  if (actor.tokenScope === "read" && rules[action].kind === "write") throw new PolicyError("FORBIDDEN", "This token is read-only");
  if (isOrgAction) throw new PolicyError("FORBIDDEN", roleNeeded(rules[action].allow, org!.role), true);
  throw new PolicyError("FORBIDDEN", "You do not have permission to do this");
}

const denialStatus: Record<Denial, number> = { UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

/**
 * The HTTP answer of a protocol route (git, runners, statuses API) to a denial: 401 asks for
 * credentials, 404 hides what the actor may not see, 403 says why. Anything else is rethrown.
 */
export function policyResponse(e: unknown, format: "text" | "json" = "text"): Response {
  if (!(e instanceof PolicyError)) throw e;
  const status = denialStatus[e.code];
  const challenge: Record<string, string> = status === 401 ? { "www-authenticate": 'Basic realm="Rookery", charset="UTF-8"' } : {};
  if (format === "json") return Response.json({ message: e.message }, { status, headers: challenge });
  return new Response(`${e.message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...challenge } });
}
