import { describe, expect, it } from "vitest";
import { authorize, can, PolicyError, type Actor, type OrgRole, type OrgScope } from "./policy";
import { authorizeGit } from "./policies/git";

const anon: Actor = { kind: "anonymous" };
const user = (over: Partial<Extract<Actor, { kind: "user" }>> = {}): Actor => ({
  kind: "user",
  id: "u1",
  username: "u1",
  isAdmin: false,
  ...over,
});
const admin = user({ isAdmin: true });
const org = (role: OrgRole | null, archived = false): OrgScope => ({ id: "o1", archived, role });

function denial(fn: () => void) {
  try {
    fn();
  } catch (e) {
    if (e instanceof PolicyError) return e.code;
    throw e;
  }
  return "allowed";
}

describe("instance rules", () => {
  it("lets anyone read health", () => {
    expect(can(anon, "instance:health")).toBe(true);
  });
  it("gives every signed-in user their own settings, never anonymous", () => {
    expect(can(user(), "self:update")).toBe(true);
    expect(can(user(), "self:tokens")).toBe(true);
    expect(can(anon, "self:read")).toBe(false);
  });
  it("shows the build farm (profiles, binhost, package search) to every signed-in user, also with read tokens", () => {
    expect(can(user(), "farm:read")).toBe(true);
    expect(can(user({ tokenScope: "read" }), "farm:read")).toBe(true);
    expect(can(anon, "farm:read")).toBe(false);
    expect(can(anon, "farm:binhost")).toBe(true);
    expect(can(anon, "farm:distfiles")).toBe(true);
    expect(can(anon, "farm:stages")).toBe(true);
  });
  it.each([
    "admin:access",
    "users:manage",
    "orgs:create",
    "ldap:sync",
    "jobs:retry",
    "audit:read-all",
    "backups:run",
    "farm:manage",
    "runners:read",
    "runners:manage",
    "pipelines:read-all",
    "pipelines:run",
    "pipelines:manage",
    "pki:admin",
    "pki:puppet:manage",
  ] as const)("reserves %s for admins", (action) => {
    expect(can(admin, action)).toBe(true);
    expect(can(user(), action)).toBe(false);
    expect(can(anon, action)).toBe(false);
    expect(denial(() => authorize(user(), action))).toBe("FORBIDDEN");
    expect(denial(() => authorize(anon, action))).toBe("UNAUTHORIZED");
  });
});

describe("organization rules", () => {
  it("lets members read the org's pipelines and developers retry or cancel their jobs", () => {
    expect(can(user(), "org:builds:read", org("reporter"))).toBe(true);
    expect(can(user(), "org:builds:manage", org("reporter"))).toBe(false);
    expect(can(user(), "org:builds:manage", org("developer"))).toBe(true);
    expect(denial(() => authorize(user(), "org:builds:read", org(null)))).toBe("NOT_FOUND");
    expect(can(user(), "org:builds:manage", org("leader", true))).toBe(false);
  });
  it("lets every member read the org and its members", () => {
    for (const role of ["reporter", "developer", "leader"] as const) {
      expect(can(user(), "org:read", org(role))).toBe(true);
      expect(can(user(), "org:members:read", org(role))).toBe(true);
    }
  });
  it("hides the org from non-members with NOT_FOUND, not FORBIDDEN", () => {
    expect(can(user(), "org:read", org(null))).toBe(false);
    expect(denial(() => authorize(user(), "org:read", org(null)))).toBe("NOT_FOUND");
    expect(denial(() => authorize(user(), "org:members:manage", org(null)))).toBe("NOT_FOUND");
    expect(denial(() => authorize(user(), "org:read", null))).toBe("NOT_FOUND");
  });
  it("lets only leaders manage members, update the org and read its audit log", () => {
    for (const action of ["org:members:manage", "org:update", "org:audit:read"] as const) {
      expect(can(user(), action, org("leader"))).toBe(true);
      expect(can(user(), action, org("developer"))).toBe(false);
      expect(can(user(), action, org("reporter"))).toBe(false);
      expect(denial(() => authorize(user(), action, org("developer")))).toBe("FORBIDDEN");
    }
  });
  it("lets reporters see certificates, developers request them and leaders approve and revoke", () => {
    expect(can(user(), "org:certs:read", org("reporter"))).toBe(true);
    expect(can(user(), "org:certs:request", org("reporter"))).toBe(false);
    expect(can(user(), "org:certs:request", org("developer"))).toBe(true);
    expect(can(user(), "org:certs:manage", org("developer"))).toBe(false);
    expect(can(user(), "org:certs:manage", org("leader"))).toBe(true);
    expect(can(user(), "org:puppet:manage", org("developer"))).toBe(false);
    expect(can(user(), "org:puppet:manage", org("leader"))).toBe(true);
    expect(denial(() => authorize(user(), "org:certs:read", org(null)))).toBe("NOT_FOUND");
    expect(can(user({ tokenScope: "read" }), "org:certs:request", org("leader"))).toBe(false);
  });
  it("serves an org's private distfiles to its members (read tokens too) and admins; only leaders upload and delete", () => {
    expect(can(user({ tokenScope: "read" }), "org:distfiles:read", org("reporter"))).toBe(true);
    expect(can(user(), "org:distfiles:read", org(null))).toBe(false);
    expect(can(anon, "org:distfiles:read", org(null))).toBe(false);
    expect(can(admin, "org:distfiles:read", org(null))).toBe(true);
    expect(can(user(), "org:distfiles:manage", org("developer"))).toBe(false);
    expect(can(user(), "org:distfiles:manage", org("leader"))).toBe(true);
    expect(can(user(), "org:distfiles:manage", org("leader", true))).toBe(false);
  });
  it("lets admins do everything in any org, member or not", () => {
    expect(can(admin, "org:read", org(null))).toBe(true);
    expect(can(admin, "org:members:manage", org(null))).toBe(true);
    expect(can(admin, "org:archive", org(null))).toBe(true);
  });
  it("reserves archiving for admins, even over leaders", () => {
    expect(can(user(), "org:archive", org("leader"))).toBe(false);
  });
  it("makes archived orgs read-only for everyone, admins included, except un-archiving", () => {
    expect(can(user(), "org:read", org("reporter", true))).toBe(true);
    expect(can(user(), "org:members:manage", org("leader", true))).toBe(false);
    expect(can(admin, "org:update", org(null, true))).toBe(false);
    expect(can(admin, "org:archive", org(null, true))).toBe(true);
    expect(denial(() => authorize(user(), "org:update", org("leader", true)))).toBe("FORBIDDEN");
  });
  it("denies anonymous callers every org action", () => {
    expect(can(anon, "org:read", org(null))).toBe(false);
    expect(denial(() => authorize(anon, "org:read", org(null)))).toBe("UNAUTHORIZED");
  });
});

describe("webhooks", () => {
  it("lets only leaders (and admins) manage org webhooks; non-members get NOT_FOUND", () => {
    expect(can(user(), "org:hooks", org("leader"))).toBe(true);
    expect(can(admin, "org:hooks", org(null))).toBe(true);
    for (const role of ["developer", "reporter"] as const) {
      expect(can(user(), "org:hooks", org(role))).toBe(false);
      expect(denial(() => authorize(user(), "org:hooks", org(role)))).toBe("FORBIDDEN");
    }
    expect(denial(() => authorize(user(), "org:hooks", org(null)))).toBe("NOT_FOUND");
    expect(can(user(), "org:hooks", org("leader", true))).toBe(false);
    expect(can(user({ tokenScope: "read" }), "org:hooks", org("leader"))).toBe(false);
  });
});

describe("token scopes", () => {
  it("limits read-scoped tokens to read actions", () => {
    const reader = user({ tokenScope: "read" });
    expect(can(reader, "org:read", org("leader"))).toBe(true);
    expect(can(reader, "org:members:manage", org("leader"))).toBe(false);
    expect(can(user({ tokenScope: "read", isAdmin: true }), "users:manage")).toBe(false);
    expect(can(user({ tokenScope: "write" }), "org:members:manage", org("leader"))).toBe(true);
    expect(denial(() => authorize(reader, "self:tokens"))).toBe("FORBIDDEN");
  });
});

describe("merge request rules", () => {
  it("lets reporters read and comment, developers open, approve and merge into unprotected branches", () => {
    expect(can(user(), "mr:read", org("reporter"))).toBe(true);
    expect(can(user(), "mr:comment", org("reporter"))).toBe(true);
    expect(can(user(), "mr:create", org("reporter"))).toBe(false);
    for (const action of ["mr:create", "mr:update", "mr:approve", "mr:merge", "statuses:write"] as const) {
      expect(can(user(), action, org("developer"))).toBe(true);
      expect(can(user(), action, org("reporter"))).toBe(false);
    }
  });
  it("reserves merges into protected branches for leaders", () => {
    expect(can(user(), "mr:merge-protected", org("leader"))).toBe(true);
    expect(can(user(), "mr:merge-protected", org("developer"))).toBe(false);
    expect(denial(() => authorize(user(), "mr:merge-protected", org("developer")))).toBe("FORBIDDEN");
    expect(denial(() => authorize(user(), "mr:read", org(null)))).toBe("NOT_FOUND");
  });
  it("shows tinderbox runs to the whole org; only leaders and admins run it now and see the Updates card", () => {
    expect(can(user(), "tinderbox:read", org("reporter"))).toBe(true);
    expect(can(user(), "tinderbox:run", org("leader"))).toBe(true);
    expect(can(user(), "tinderbox:run", org("developer"))).toBe(false);
    expect(can(user({ isAdmin: true }), "tinderbox:run", org(null))).toBe(true);
    expect(denial(() => authorize(user(), "tinderbox:run", org("developer")))).toBe("FORBIDDEN");
    expect(denial(() => authorize(user(), "tinderbox:run", org(null)))).toBe("NOT_FOUND");
  });
  it("shows releases to the whole org and lets only leaders start one", () => {
    expect(can(user(), "release:read", org("reporter"))).toBe(true);
    expect(can(user(), "release:start", org("leader"))).toBe(true);
    expect(can(user(), "release:start", org("developer"))).toBe(false);
    expect(denial(() => authorize(user(), "release:read", org(null)))).toBe("NOT_FOUND");
  });
  it("keeps read-only tokens from writing statuses", () => {
    expect(can(user({ tokenScope: "read" }), "statuses:write", org("developer"))).toBe(false);
    expect(can(user({ tokenScope: "write" }), "statuses:write", org("developer"))).toBe(true);
  });
});

describe("binhost publishing", () => {
  it("is for administrators, and not with a read-only token", () => {
    expect(can(admin, "binhost:publish")).toBe(true);
    expect(can(user({ isAdmin: true, tokenScope: "write" }), "binhost:publish")).toBe(true);
    expect(can(user({ isAdmin: true, tokenScope: "read" }), "binhost:publish")).toBe(false);
    expect(can(user(), "binhost:publish")).toBe(false);
    expect(denial(() => authorize(anon, "binhost:publish"))).toBe("UNAUTHORIZED");
    expect(denial(() => authorize(user(), "binhost:publish"))).toBe("FORBIDDEN");
  });

  it("published builds: every user reads them; only administrators write notes, tag and roll back", () => {
    for (const action of ["binhost:builds", "binhost:rollback"] as const) {
      expect(can(admin, action)).toBe(true);
      expect(can(user({ isAdmin: true, tokenScope: "read" }), action)).toBe(false);
      expect(denial(() => authorize(user(), action))).toBe("FORBIDDEN");
      expect(can({ kind: "job", jobId: "j", pipelineId: "p" }, action)).toBe(false);
    }
    expect(can(user(), "farm:read")).toBe(true);
  });
});

describe("job actors (ROOKERY_JOB_TOKEN)", () => {
  const job: Actor = { kind: "job", jobId: "j1", pipelineId: "p1" };
  const repo = (orgSlug: string, name: string) => ({ orgSlug, name });

  it("read the infrastructure tree repositories over git, never write, and see no other repository", () => {
    for (const name of ["gentoo", "overlay", "build-profiles"]) {
      expect(denial(() => authorizeGit(job, "read", repo("infrastructure", name), org(null)))).toBe("allowed");
      expect(denial(() => authorizeGit(job, "write", repo("infrastructure", name), org(null)))).toBe("FORBIDDEN");
    }
    expect(denial(() => authorizeGit(job, "read", repo("infrastructure", "role"), org(null)))).toBe("NOT_FOUND");
    expect(denial(() => authorizeGit(job, "read", repo("acme", "gentoo"), org(null)))).toBe("NOT_FOUND");
    expect(denial(() => authorizeGit(job, "read", null, null))).toBe("NOT_FOUND");
  });

  it("may fetch the binhost and nothing else of the instance or an org", () => {
    expect(can(job, "farm:binhost")).toBe(true);
    expect(can(job, "farm:read")).toBe(false);
    expect(can(job, "self:read")).toBe(false);
    expect(can(job, "repo:read", org("leader"))).toBe(false);
    expect(denial(() => authorize(job, "pipelines:read-all"))).toBe("FORBIDDEN");
    expect(denial(() => authorize(job, "org:read", org(null)))).toBe("NOT_FOUND");
  });

  it("leave users' git access to the role table", () => {
    expect(denial(() => authorizeGit(user(), "read", repo("acme", "puppet"), org("reporter")))).toBe("allowed");
    expect(denial(() => authorizeGit(user(), "write", repo("acme", "puppet"), org("reporter")))).toBe("FORBIDDEN");
    expect(denial(() => authorizeGit(user(), "read", repo("acme", "puppet"), org(null)))).toBe("NOT_FOUND");
  });
});
