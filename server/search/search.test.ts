import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { certificateAuthorities, certificates, mergeRequests } from "@/db/schema";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo, insertRepo } from "@/server/git/repos";
import { createPipeline } from "@/server/runners/pipelines";
import { stopBoss } from "@/server/jobs";
import { createOrg } from "@/server/orgs";
import { excerpt } from "@/server/search";
import { createLocalUser } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { callerAs } from "@/test/support/trpc";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-search-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir });
const as = callerAs(db);
afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

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

  it("finds code on the default branch of readable repositories only, with the line and where the match is", async () => {
    const pw = "Sturdy-search-2026";
    const member = await createLocalUser(db(), { username: "coder", password: pw });
    const outsider = await createLocalUser(db(), { username: "stranger", password: pw });
    const admin = await createLocalUser(db(), { username: "code-admin", password: pw, isAdmin: true });
    const coders = await createOrg(db(), { name: "Coders", slug: "coders", source: "local", members: [{ userId: member.id, role: "reporter" }] });
    await createOrg(db(), { name: "Elsewhere", slug: "elsewhere", source: "local", members: [{ userId: outsider.id, role: "leader" }] });
    await insertRepo(db(), coders, { name: "site" });
    const dir = await ensureRepoOnDisk(db(), (await getRepo(db(), "coders", "site"))!);
    await commitFiles(dir, {
      branch: "develop",
      message: "ntp",
      files: {
        "site/ntp.pp": "class ntp {\n  $servers = ['pool.ntp.org']\n  # Use the ZEBRAFISH pools <b>here</b>, zebrafish twice\n}\n",
        "notes/one.txt": "zebrafish 1\nzebrafish 2\nzebrafish 3\nzebrafish 4\nzebrafish 5\n",
      },
    });
    // a branch other than the default one is not searched
    await commitFiles(dir, { branch: "feature/hidden", message: "hidden", files: { "hidden.txt": "zebrafish on a feature branch\n" } });

    const found = await as(member).search.query({ q: "zebraFish" });
    expect(found.code.complete).toBe(true);
    const ntp = found.code.hits.find((h) => h.path === "site/ntp.pp")!;
    expect(ntp).toMatchObject({ orgSlug: "coders", repo: "site", ref: "develop", line: 3, text: "  # Use the ZEBRAFISH pools <b>here</b>, zebrafish twice" });
    expect(ntp.ranges.map(([a, b]) => ntp.text.slice(a, b))).toEqual(["ZEBRAFISH", "zebrafish"]);
    // at most three matches per file; nothing from other branches
    expect(found.code.hits.filter((h) => h.path === "notes/one.txt").map((h) => h.line)).toEqual([1, 2, 3]);
    expect(found.code.hits.map((h) => h.path)).not.toContain("hidden.txt");
    // a fixed string: regex characters mean themselves
    expect((await as(member).search.query({ q: "pool.ntp" })).code.hits.map((h) => h.line)).toEqual([2]);
    expect((await as(member).search.query({ q: "pool.*ntp" })).code.hits).toEqual([]);

    expect((await as(outsider).search.query({ q: "zebrafish" })).code.hits).toEqual([]);
    expect((await as(admin).search.query({ q: "zebrafish" })).code.hits.map((h) => `${h.orgSlug}/${h.repo}/${h.path}:${h.line}`)).toContain(
      "coders/site/site/ntp.pp:3",
    );

    const short = await as(member).search.query({ q: "z" });
    expect(short.tooShort).toBe(true);
    expect(short.code.hits).toEqual([]);
  });

  it("finds certificates their requester and the org's leaders may see, and pipelines of the caller's orgs", async () => {
    const pw = "Sturdy-search-2026";
    const requester = await createLocalUser(db(), { username: "cert-dev", password: pw });
    const colleague = await createLocalUser(db(), { username: "cert-dev2", password: pw });
    const leader = await createLocalUser(db(), { username: "cert-lead", password: pw });
    const outsider = await createLocalUser(db(), { username: "cert-out", password: pw });
    const admin = await createLocalUser(db(), { username: "cert-admin", password: pw, isAdmin: true });
    const org = await createOrg(db(), {
      name: "Certs",
      slug: "certs-org",
      source: "local",
      members: [
        { userId: requester.id, role: "developer" },
        { userId: colleague.id, role: "developer" },
        { userId: leader.id, role: "leader" },
      ],
    });
    await createOrg(db(), { name: "Other certs", slug: "other-certs", source: "local", members: [{ userId: outsider.id, role: "leader" }] });
    const [ca] = await db().insert(certificateAuthorities).values({ name: "host-search", level: "sub", status: "active", subjectDn: "CN=Host CA" }).returning();
    await db()
      .insert(certificates)
      .values({
        caId: ca.id,
        orgId: org.id,
        requestedBy: requester.id,
        state: "issued",
        csrPem: "-",
        subjectDn: "CN=web1.certs.example",
        commonName: "web1.certs.example",
        sans: [{ type: "dns", value: "www.certs.example" }],
        keyDescription: "EC P-256",
        validityDays: 90,
        serial: "7A3F00C0FFEE",
      });
    const names = async (u: typeof admin, q: string) => (await as(u).search.query({ q })).certificates.map((c) => c.commonName);
    expect(await names(requester, "web1.certs")).toEqual(["web1.certs.example"]);
    expect(await names(requester, "www.certs")).toEqual(["web1.certs.example"]);
    expect(await names(leader, "7a:3f:00")).toEqual(["web1.certs.example"]);
    expect(await names(admin, "c0ffee")).toEqual(["web1.certs.example"]);
    expect(await names(colleague, "web1.certs")).toEqual([]);
    expect(await names(outsider, "web1.certs")).toEqual([]);
    // the JSON of the SANs is not searched, only their values
    expect(await names(requester, "dns")).toEqual([]);
    expect((await as(requester).search.query({ q: "web1.certs" })).certificates[0].href).toMatch(/^\/orgs\/certs-org\/certificates\/[0-9a-f-]{36}$/);

    const commit = "3f2a9c1e0b7d4c5a6e8f9a0b1c2d3e4f5a6b7c8d";
    const p = await createPipeline(db(), {
      name: "Check puppet",
      source: "api",
      orgId: org.id,
      ref: "feature/searchable-ref",
      jobs: [{ name: "lint", steps: [{ run: "true" }], env: { ROOKERY_TREE_COMMIT: commit } }],
    });
    const pipes = async (u: typeof admin, q: string) => (await as(u).search.query({ q })).pipelines.map((x) => x.id);
    expect(await pipes(colleague, "searchable-ref")).toEqual([p.id]);
    expect(await pipes(colleague, commit.slice(0, 8).toUpperCase())).toEqual([p.id]);
    expect(await pipes(colleague, `#${p.number}`)).toEqual([p.id]);
    expect(await pipes(colleague, p.id)).toEqual([p.id]);
    expect(await pipes(colleague, "3f2a9c")).toEqual([]); // too short for a commit
    expect(await pipes(outsider, "searchable-ref")).toEqual([]);
    expect(await pipes(outsider, commit.slice(0, 8))).toEqual([]);
    expect(await pipes(admin, "searchable-ref")).toEqual([p.id]);
  });

  it("shows a long line around its match, and marks every match whatever its case", () => {
    const long = excerpt(`${"x".repeat(500)}Needle${"y".repeat(500)}`, "needle");
    expect(long.text.length).toBeLessThan(250);
    expect(long.text.startsWith("…") && long.text.endsWith("…")).toBe(true);
    expect(long.ranges.map(([a, b]) => long.text.slice(a, b))).toEqual(["Needle"]);
    const special = excerpt("a (b) A (B)  \r", "a (b)");
    expect(special).toEqual({
      text: "a (b) A (B)",
      ranges: [
        [0, 5],
        [6, 11],
      ],
    });
  });
});
