import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, mergeRequests, notifications, tinderboxRuns } from "@/db/schema";
import { testDatabase } from "@/test/support/db";
import { callerAs, trpcCode } from "@/test/support/trpc";
import { runGit } from "@/server/git/plumbing/cli";
import { commitFiles } from "@/server/git/plumbing/commit";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { cloneUrl } from "@/server/git/paths";
import { getRepo, insertRepo } from "@/server/git/repos";
import { queues, stopBoss } from "@/server/jobs";
import { startJobWorker } from "@/test/support/job-worker";
import { createOrg, type Org } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { botActor, ensureTinderboxBot } from "./bot";
import { defaultConfig } from "./config";
import { parseLock } from "./lock";
import { parsePuppetfile, type GitModule } from "./puppetfile";
import { remoteReader } from "./remotes";
import { resolveModules } from "./resolve";
import { outcomeLine, requestTinderboxRun, runTinderboxNow, TINDERBOX_BRANCH } from "./run";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-tinderbox-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, AUTH_SECRET: "t".repeat(40), PUBLIC_URL: "http://rookery.test" });
const ORG = "tbx";

let org: Org;
let lead: User;
let puppetDir = "";

const git = async (dir: string, ...args: string[]) => (await runGit(args, { cwd: dir })).stdout.trim();

/** A module repository of the org with one commit per version, each tagged vX.Y.Z. */
async function moduleRepo(name: string, versions: string[], orgRow: { id: string; slug: string } = org) {
  const row = await insertRepo(db(), orgRow, { name, defaultBranch: "main" });
  const dir = await ensureRepoOnDisk(db(), { ...row, orgSlug: orgRow.slug, orgName: orgRow.slug, orgArchived: false });
  for (const v of versions) await tagVersion(dir, name, v);
  return dir;
}

async function tagVersion(dir: string, name: string, v: string) {
  const parent = await runGit(["rev-parse", "--verify", "--quiet", "refs/heads/main"], { cwd: dir, allowFailure: true });
  const sha = await commitFiles(dir, {
    branch: "main",
    parent: parent.code === 0 ? parent.stdout.trim() : undefined,
    files: { "metadata.json": JSON.stringify({ name: `acme-${name}`, version: v }), "CHANGELOG.md": `## ${v}\n- release ${v}\n` },
    message: `Release ${v}`,
  });
  await git(dir, "tag", "-a", "-m", `v${v}`, `v${v}`, sha);
  return sha;
}

/** A commit on develop of the puppet repository with these files. */
async function onDevelop(files: Record<string, string>) {
  return commitFiles(puppetDir, { branch: "develop", parent: await git(puppetDir, "rev-parse", "refs/heads/develop"), files, message: "test setup" });
}

const read = async (ref: string, file: string) => (await runGit(["show", `${ref}:${file}`], { cwd: puppetDir })).stdout;

/** Puppetfile and Puppetfile.lock of a ref agree: every git module's pinned commit is the lock's sha. */
async function agree(ref: string) {
  const pf = parsePuppetfile(await read(ref, "Puppetfile"));
  const lock = parseLock(await read(ref, "Puppetfile.lock"))!;
  const pinned = pf.modules.filter((m): m is GitModule => m.source === "git").map((m) => [m.short, m.ref?.kind, m.ref?.value]);
  expect(pinned).toEqual(lock.git.map((g) => [g.name, "commit", g.sha]));
  return lock;
}

async function openTinderboxMrs() {
  const repo = (await getRepo(db(), ORG, "puppet"))!;
  return db()
    .select()
    .from(mergeRequests)
    .where(and(eq(mergeRequests.repoId, repo.id), eq(mergeRequests.sourceBranch, TINDERBOX_BRANCH), eq(mergeRequests.state, "open")));
}

beforeAll(async () => {
  await ensureInfrastructureOrg(db());
  lead = await createLocalUser(db(), { username: "tb-lead", password: "Tinder-pass-2026", displayName: "Lea Lead" });
  org = await createOrg(db(), { name: ORG, source: "local", members: [{ userId: lead.id, role: "leader" }] });
  puppetDir = await ensureRepoOnDisk(db(), (await getRepo(db(), ORG, "puppet"))!);
}, 60_000);

afterAll(async () => {
  await stopBoss();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("the tinderbox pass", () => {
  it("finds a fresh organization's puppet repository up to date (the template is pinned as the tinderbox pins)", async () => {
    const run = await runTinderboxNow(db(), ORG);
    expect(await outcomeLine(db(), run)).toBe("up to date");
    await agree("refs/heads/develop");
    // the bot exists, cannot sign in (no password), and is a developer of the org only
    const bot = await ensureTinderboxBot(db(), org.id);
    expect(bot.passwordHash).toBeNull();
    const joined = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "org:add-member")));
    expect(joined.map((a) => [a.actorName, a.targetId])).toEqual([["tinderbox", "tinderbox"]]);
  }, 60_000);

  it("bumps a module to its new tag, pushes feature/tinderbox signed off, and opens the merge request", async () => {
    await moduleRepo("apache", ["1.2.0"]);
    await onDevelop({
      Puppetfile: `${await read("refs/heads/develop", "Puppetfile")}\nmod 'acme-apache',\n  :git => '${cloneUrl(ORG, "apache")}',\n  :tag => 'v1.2.0'\nmod 'puppetlabs-stdlib', '9.4.1'\n`,
    });
    // first run pins apache at v1.2.0 (nothing newer yet): that is already a change of the files
    const first = await runTinderboxNow(db(), ORG);
    expect(first.status).toBe("opened");
    const apacheDir = path.join(dataDir, "git", ORG, "apache.git");
    const v130 = await tagVersion(apacheDir, "apache", "1.3.0");
    await tagVersion(apacheDir, "apache", "2.0.0"); // outside the default constraint ^1.2.0

    const run = await runTinderboxNow(db(), ORG);
    expect(await outcomeLine(db(), run)).toMatch(/^merge request !\d+ updated$/);
    const lock = await agree(`refs/heads/${TINDERBOX_BRANCH}`);
    expect(lock.git.find((g) => g.name === "apache")).toMatchObject({ ref: "v1.3.0", type: "tag", sha: v130, version: "1.3.0" });
    expect(lock.forge.modules).toEqual([{ name: "puppetlabs-stdlib", version: "9.4.1" }]);
    expect(await read(`refs/heads/${TINDERBOX_BRANCH}`, "Puppetfile")).toContain(`:commit => '${v130}' # tinderbox: tag v1.3.0`);

    const message = await git(puppetDir, "log", "-1", "--format=%an <%ae>%n%B", `refs/heads/${TINDERBOX_BRANCH}`);
    expect(message).toContain("Rookery Tinderbox <tinderbox@rookery.test>");
    expect(message).toContain("- module apache v1.2.0 → v1.3.0\n    ## 1.3.0\n    - release 1.3.0\n");
    expect(message).not.toContain("2.0.0");
    expect(message).toContain("forge modules are not resolved: puppetlabs-stdlib");
    expect(message.trim().split("\n").at(-1)).toBe("Signed-off-by: Rookery Tinderbox <tinderbox@rookery.test>");
    // one commit on top of develop
    expect(await git(puppetDir, "rev-parse", `refs/heads/${TINDERBOX_BRANCH}^`)).toBe(await git(puppetDir, "rev-parse", "refs/heads/develop"));

    const mrs = await openTinderboxMrs();
    expect(mrs).toHaveLength(1);
    expect(mrs[0].title).toBe("Tinderbox: 1 module updated");
    expect(mrs[0].description).toMatch(/^1 module updated\./);
    expect(mrs[0].description).toContain("| apache | v1.2.0 | v1.3.0 |");
    expect(mrs[0].description).toContain("**apache v1.2.0 → v1.3.0: changelog**\n\n> ## 1.3.0\n> - release 1.3.0");
    const audit = await db().select().from(auditEvents).where(eq(auditEvents.actorName, "tinderbox"));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["tinderbox.run", "tinderbox.push", "mr.create", "mr.update"]));
  }, 60_000);

  it("creates nothing on a second run without upstream changes, and updates (never duplicates) the MR later", async () => {
    const before = await git(puppetDir, "rev-parse", `refs/heads/${TINDERBOX_BRANCH}`);
    const again = await runTinderboxNow(db(), ORG);
    expect(await outcomeLine(db(), again)).toBe("up to date");
    expect(again.reason).toMatch(/already proposes these updates/);
    expect(await git(puppetDir, "rev-parse", `refs/heads/${TINDERBOX_BRANCH}`)).toBe(before);

    await tagVersion(path.join(dataDir, "git", ORG, "apache.git"), "apache", "1.4.0");
    const later = await runTinderboxNow(db(), ORG);
    expect(later.status).toBe("updated");
    const mrs = await openTinderboxMrs();
    expect(mrs).toHaveLength(1);
    expect(mrs[0].id).toBe(later.mergeRequestId);
    expect(mrs[0].description).toContain("| apache | v1.2.0 | v1.4.0 |");
  }, 60_000);

  it("refuses to clobber feature/tinderbox after a person pushed to it, unless a leader allows the reset", async () => {
    const head = await git(puppetDir, "rev-parse", `refs/heads/${TINDERBOX_BRANCH}`);
    await commitFiles(puppetDir, { branch: TINDERBOX_BRANCH, parent: head, files: { "hieradata/common.yaml": "---\nmine: true\n" }, message: "human work" });
    await tagVersion(path.join(dataDir, "git", ORG, "apache.git"), "apache", "1.5.0");
    const refused = await runTinderboxNow(db(), ORG);
    expect(await outcomeLine(db(), refused)).toMatch(/^failed: feature\/tinderbox has commits the tinderbox did not make/);
    expect(await read(`refs/heads/${TINDERBOX_BRANCH}`, "hieradata/common.yaml")).toContain("mine: true");
    const told = await db()
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, lead.id), eq(notifications.kind, "tinderbox.failed")));
    expect(told.at(-1)?.body).toMatch(/did not make/);

    const reset = await runTinderboxNow(db(), ORG, { allowReset: true });
    expect(reset.status).toBe("updated");
    expect((await agree(`refs/heads/${TINDERBOX_BRANCH}`)).git.find((g) => g.name === "apache")?.ref).toBe("v1.5.0");
  }, 60_000);

  it("regenerates a lock file with merge conflict markers", async () => {
    const lock = await read("refs/heads/develop", "Puppetfile.lock");
    await onDevelop({ "Puppetfile.lock": `<<<<<<< HEAD\n${lock}\n=======\n${lock}\n>>>>>>> feature/other\n` });
    const run = await runTinderboxNow(db(), ORG);
    expect(run.status).toBe("updated");
    expect(run.changes?.notes.join("\n")).toMatch(/Puppetfile.lock was unreadable .*regenerated/);
    const text = await read(`refs/heads/${TINDERBOX_BRANCH}`, "Puppetfile.lock");
    expect(text).not.toMatch(/^(<{7}|={7}|>{7})/m);
    await agree(`refs/heads/${TINDERBOX_BRANCH}`);
  }, 60_000);

  it("fails naming the module whose URL no longer resolves, and pushes nothing", async () => {
    const head = await git(puppetDir, "rev-parse", `refs/heads/${TINDERBOX_BRANCH}`);
    const pf = await read("refs/heads/develop", "Puppetfile");
    await onDevelop({ Puppetfile: `${pf}mod 'gone', :git => '${cloneUrl(ORG, "gone")}', :branch => 'main'\n` });
    const run = await runTinderboxNow(db(), ORG);
    expect(await outcomeLine(db(), run)).toBe(`failed: module gone: ${cloneUrl(ORG, "gone")} does not exist or the tinderbox may not read it`);
    expect(await git(puppetDir, "rev-parse", `refs/heads/${TINDERBOX_BRANCH}`)).toBe(head);

    await onDevelop({ Puppetfile: `${pf}mod 'far', :git => 'http://127.0.0.1:9/far.git', :branch => 'main'\n` });
    const far = await runTinderboxNow(db(), ORG);
    expect(await outcomeLine(db(), far)).toMatch(/^failed: module far: http:\/\/127\.0\.0\.1:9\/far\.git does not resolve: /);

    // another organization's private repository is not readable for this org's bot
    const other = await createOrg(db(), { name: "tbx-other", source: "local", members: [{ userId: lead.id, role: "leader" }] });
    await moduleRepo("secret", ["1.0.0"], other);
    await onDevelop({ Puppetfile: `${pf}mod 'secret', :git => '${cloneUrl("tbx-other", "secret")}', :tag => 'v1.0.0'\n` });
    const denied = await runTinderboxNow(db(), ORG);
    expect(await outcomeLine(db(), denied)).toMatch(/^failed: module secret: .* does not exist or the tinderbox may not read it$/);
    await onDevelop({ Puppetfile: pf });
  }, 60_000);

  it("records runs per organization with their outcome", async () => {
    const runs = await db().select().from(tinderboxRuns).where(eq(tinderboxRuns.orgId, org.id));
    expect(runs.every((r) => r.finishedAt && r.status !== "running" && r.status !== "queued")).toBe(true);
    expect(new Set(runs.map((r) => r.status))).toEqual(new Set(["up-to-date", "opened", "updated", "failed"]));
    // the Builds page's query: members see them with the changes in words, others get NOT_FOUND
    const seen = await callerAs(db)(lead).tinderbox.runs({ slug: ORG });
    expect(seen.runs).toHaveLength(runs.length);
    expect(seen.runs.some((r) => r.changes.includes("module apache v1.2.0 → v1.3.0") && r.mrNumber !== null)).toBe(true);
    const outsider = await createLocalUser(db(), { username: "tb-out", password: "Tinder-pass-2026" });
    expect(await trpcCode(callerAs(db)(outsider).tinderbox.runs({ slug: ORG }))).toBe("NOT_FOUND");
  });
});

describe("the tinderbox-run queue", () => {
  it("runs one pass per organization: a newer request supersedes a waiting one", async () => {
    // a run whose worker died hours ago does not block the organization forever
    const [dead] = await db()
      .insert(tinderboxRuns)
      .values({ orgId: org.id, trigger: "schedule", status: "running", startedAt: new Date(Date.now() - 3 * 3600_000) })
      .returning();
    const first = await requestTinderboxRun(db(), org.id, "schedule");
    const second = await requestTinderboxRun(db(), org.id, "manual", lead.id);
    const worker = await startJobWorker([queues.tinderboxRun]);
    try {
      const deadline = Date.now() + 30_000;
      let row;
      do {
        await new Promise((r) => setTimeout(r, 300));
        [row] = await db().select().from(tinderboxRuns).where(eq(tinderboxRuns.id, second.id));
      } while (row && !row.finishedAt && Date.now() < deadline);
      // develop moved in the test before: the branch is regenerated on top of it
      expect(row?.status).toBe("updated");
      const [old] = await db().select().from(tinderboxRuns).where(eq(tinderboxRuns.id, first.id));
      expect(old).toMatchObject({ status: "failed", reason: "superseded by a newer run" });
      const [closed] = await db().select().from(tinderboxRuns).where(eq(tinderboxRuns.id, dead.id));
      expect(closed).toMatchObject({ status: "failed", reason: "the worker running it stopped before it finished" });
    } finally {
      await worker.stop();
    }
  }, 60_000);
});

describe("lock resolution", () => {
  it("resolves a Puppetfile of 50 modules in under 10 s", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 50; i++) {
      const name = `perf${String(i).padStart(2, "0")}`;
      await moduleRepo(name, ["1.0.0", "1.1.0"]);
      lines.push(i % 2 ? `mod '${name}', :git => '${cloneUrl(ORG, name)}', :tag => 'v1.0.0'` : `mod '${name}', git: '${cloneUrl(ORG, name)}', branch: 'main'`);
    }
    const text = lines.join("\n") + "\n";
    const bot = await ensureTinderboxBot(db(), org.id);
    const started = performance.now();
    const r = await resolveModules(text, parsePuppetfile(text), null, defaultConfig, remoteReader(db(), botActor(bot)));
    const ms = performance.now() - started;
    expect(r.lock.git).toHaveLength(50);
    expect(r.lock.git.filter((g) => g.type === "tag").every((g) => g.ref === "v1.1.0")).toBe(true);
    console.log(`50 modules resolved in ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(10_000);
  }, 120_000);
});
