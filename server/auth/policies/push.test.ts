import { describe, expect, it } from "vitest";
import { environmentOf, type Protection } from "@/server/git/protection";
import type { RepoWithOrg } from "@/server/git/repos";
import { pusherAs } from "@/test/support/actors";
import { checkPush } from "./push";

const Z = "0".repeat(40);
const A = "a".repeat(40);
const B = "b".repeat(40);
const repo = { kind: "standard", upstream: null, archivedAt: null, orgArchived: false, orgSlug: "acme", name: "puppet" } as unknown as RepoWithOrg;
const rules: Protection[] = ["master", "develop", "release/*", "hotfix/*"].map((pattern) => ({
  pattern,
  pushAccess: "nobody",
  allowForcePush: false,
  allowDeletion: false,
}));
const dev = pusherAs("developer");

describe("checkPush", () => {
  it("lets developers push feature branches freely, force included", () => {
    expect(checkPush(repo, dev, rules, [{ ref: "refs/heads/feature/x", oldSha: A, newSha: B, forced: true }]).ok).toBe(true);
  });
  it("refuses direct pushes to protected branches with a human message", () => {
    const r = checkPush(repo, dev, rules, [{ ref: "refs/heads/develop", oldSha: A, newSha: B }]);
    expect(r).toEqual({ ok: false, messages: ["develop is protected: open a merge request"] });
    expect(checkPush(repo, dev, rules, [{ ref: "refs/heads/release/v1.0.0", oldSha: Z, newSha: B }]).messages[0]).toMatch(/release\/v1.0.0 is protected/);
  });
  it("refuses force-pushes and deletions of protected branches", () => {
    const open = rules.map((r) => ({ ...r, pushAccess: "developers" as const }));
    expect(checkPush(repo, dev, open, [{ ref: "refs/heads/master", oldSha: A, newSha: B, forced: true }]).messages).toEqual([
      "master is protected: force-push is not allowed",
    ]);
    expect(checkPush(repo, dev, open, [{ ref: "refs/heads/master", oldSha: A, newSha: Z }]).messages).toEqual(["master is protected: it cannot be deleted"]);
    expect(checkPush(repo, dev, open, [{ ref: "refs/heads/master", oldSha: A, newSha: B }]).ok).toBe(true);
  });
  it("requires semver for version-like tags and keeps tags immutable except for admins", () => {
    expect(checkPush(repo, dev, rules, [{ ref: "refs/tags/v1.2.3", oldSha: Z, newSha: A }]).ok).toBe(true);
    expect(checkPush(repo, dev, rules, [{ ref: "refs/tags/latest-build", oldSha: Z, newSha: A }]).ok).toBe(true);
    expect(checkPush(repo, dev, rules, [{ ref: "refs/tags/1.2", oldSha: Z, newSha: A }]).messages[0]).toMatch(/not semver/);
    expect(checkPush(repo, dev, rules, [{ ref: "refs/tags/v1.2.3-rc1", oldSha: Z, newSha: A }]).ok).toBe(false);
    expect(checkPush(repo, dev, rules, [{ ref: "refs/tags/v1.2.3", oldSha: A, newSha: B }]).messages[0]).toMatch(/cannot be moved/);
    expect(checkPush(repo, dev, rules, [{ ref: "refs/tags/v1.2.3", oldSha: A, newSha: Z }]).messages[0]).toMatch(/cannot be deleted/);
    expect(checkPush(repo, pusherAs(null, { isAdmin: true }), rules, [{ ref: "refs/tags/v1.2.3", oldSha: A, newSha: Z }]).ok).toBe(true);
  });
  it("refuses every push to mirrors, archived repos, and from reporters", () => {
    const mirror = { ...repo, kind: "module-mirror", upstream: "infrastructure/role" } as RepoWithOrg;
    expect(checkPush(mirror, dev, [], [{ ref: "refs/heads/feature/x", oldSha: Z, newSha: A }]).messages[0]).toMatch(
      /^read-only mirror of infrastructure\/role/,
    );
    expect(checkPush({ ...repo, orgArchived: true }, dev, [], [{ ref: "refs/heads/feature/x", oldSha: Z, newSha: A }]).ok).toBe(false);
    expect(checkPush(repo, pusherAs("reporter"), [], [{ ref: "refs/heads/feature/x", oldSha: Z, newSha: A }]).ok).toBe(false);
  });
  it("asks the policy table: read-only tokens never push, leaders-only branches take leaders or admins", () => {
    const feature = [{ ref: "refs/heads/feature/x", oldSha: Z, newSha: A }];
    expect(checkPush(repo, pusherAs("leader", { tokenScope: "read" }), [], feature).messages).toEqual(["You do not have permission to push here"]);
    const leadersOnly: Protection[] = [{ pattern: "develop", pushAccess: "leaders", allowForcePush: false, allowDeletion: false }];
    const develop = [{ ref: "refs/heads/develop", oldSha: A, newSha: B }];
    expect(checkPush(repo, dev, leadersOnly, develop).messages).toEqual(["develop is protected: open a merge request"]);
    expect(checkPush(repo, pusherAs("leader"), leadersOnly, develop).ok).toBe(true);
    expect(checkPush(repo, pusherAs(null, { isAdmin: true }), leadersOnly, develop).ok).toBe(true);
  });
});

describe("environmentOf", () => {
  it("maps git-flow branches to environments", () => {
    expect(environmentOf("master")).toBe("production");
    expect(environmentOf("release/v1.0.0")).toBe("staging");
    expect(environmentOf("hotfix/v1.0.1")).toBe("staging");
    expect(environmentOf("develop")).toBe("development");
    expect(environmentOf("feature/x")).toBe("development");
    expect(environmentOf("random")).toBeNull();
  });
});
