import { afterAll, describe, expect, it } from "vitest";
import { mergeRequests } from "@/db/schema";
import { getRepo } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { callerAs } from "@/test/support/trpc";

const db = testDatabase();
const as = callerAs(db);
afterAll(stopBoss);

describe("search", () => {
  it("finds repositories and merge requests of the caller's organizations only; admins see every one", async () => {
    const pw = "Sturdy-search-2026";
    const member = await createLocalUser(db(), { username: "seeker", password: pw });
    const admin = await createLocalUser(db(), { username: "seek-admin", password: pw, isAdmin: true });
    await createOrg(db(), { name: "Mine", slug: "mine-org", source: "local", members: [{ userId: member.id, role: "reporter" }] });
    await createOrg(db(), { name: "Theirs", slug: "their-org", source: "local" });
    for (const slug of ["mine-org", "their-org"]) {
      const repo = (await getRepo(db(), slug, "puppet"))!;
      await db()
        .insert(mergeRequests)
        .values({
          repoId: repo.id,
          number: 7,
          title: `Tune ntp pools for ${slug}`,
          sourceBranch: "feature/ntp",
          targetBranch: "develop",
          headSha: "a".repeat(40),
        });
    }

    const mine = await as(member).search.query({ q: "puppet" });
    expect(mine.repos.map((r) => `${r.orgSlug}/${r.name}`)).toEqual(["mine-org/puppet"]);
    const mrs = await as(member).search.query({ q: "ntp pools" });
    expect(mrs.mergeRequests.map((m) => m.href)).toEqual(["/orgs/mine-org/repos/puppet/merge_requests/7"]);
    expect((await as(member).search.query({ q: "!7" })).mergeRequests).toHaveLength(1);

    const all = await as(admin).search.query({ q: "ntp pools" });
    expect(all.mergeRequests.map((m) => m.orgSlug).sort()).toEqual(["mine-org", "their-org"]);
    expect((await as(admin).search.query({ q: "puppet" })).repos.map((r) => r.orgSlug)).toEqual(expect.arrayContaining(["mine-org", "their-org"]));
  });
});
