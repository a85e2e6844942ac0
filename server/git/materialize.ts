import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { organizations } from "@/db/schema";
import { runGit } from "./plumbing/cli";
import { commitFiles } from "./plumbing/commit";
import { installHooks } from "./hooks";
import { gitIn } from "./plumbing/simple";
import { cloneUrl, repoDir } from "./paths";
import { buildProfilesTemplate } from "@/server/farm/template";
import { overlayTemplate } from "@/server/farm/overlay-template";
import { BUILD_PROFILES_REPO, getRepo, GLOBAL_MODULES, INFRASTRUCTURE_ORG, OVERLAY_BRANCHES, OVERLAY_REPO, type RepoWithOrg } from "./repos";
import { moduleTemplate, puppetTemplate, readmeTemplate } from "./templates";

const inflight = new Map<string, Promise<string>>();

export function repoExists(dir: string) {
  return fs.existsSync(path.join(dir, "HEAD"));
}

/**
 * Makes the bare repository of a row exist on disk, seeded as its kind requires.
 * Built in a temporary directory and renamed into place, so nobody sees half a repo
 * and concurrent callers (several processes) agree on one result.
 */
export async function ensureRepoOnDisk(db: DbOrTx, repo: RepoWithOrg, opts: { withReadme?: boolean } = {}): Promise<string> {
  const dir = repoDir(repo.orgSlug, repo.name);
  if (repoExists(dir)) return dir;
  const pending = inflight.get(dir);
  if (pending) return pending;
  const work = materialize(db, repo, dir, opts).finally(() => inflight.delete(dir));
  inflight.set(dir, work);
  return work;
}

async function materialize(db: DbOrTx, repo: RepoWithOrg, dir: string, opts: { withReadme?: boolean }) {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = path.join(path.dirname(dir), `.tmp-${repo.name}-${randomBytes(4).toString("hex")}`);
  try {
    await runGit(["init", "--quiet", "--bare", `--initial-branch=${repo.defaultBranch}`, tmp]);
    // Appended directly: three `git config` processes per repo add up over hundreds of orgs.
    fs.appendFileSync(path.join(tmp, "config"), "[http]\n\treceivepack = true\n[uploadpack]\n\tallowFilter = true\n[receive]\n\tadvertisePushOptions = true\n");
    installHooks(tmp);
    await seed(db, repo, tmp, opts);
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      if (!repoExists(dir)) throw e; // someone else won the race: theirs is as good as ours
    }
    return dir;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function headOf(dir: string, branch: string) {
  const r = await runGit(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], { cwd: dir, allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

async function seed(db: DbOrTx, repo: RepoWithOrg, dir: string, opts: { withReadme?: boolean }) {
  if (repo.kind === "module-mirror" && repo.upstream) {
    const [orgSlug, name] = repo.upstream.split("/");
    const upstream = await getRepo(db, orgSlug, name);
    if (!upstream) throw new Error(`upstream ${repo.upstream} does not exist`);
    const upstreamDir = await ensureRepoOnDisk(db, upstream);
    // Share the upstream's objects: a mirror costs a few refs, and updating 100 of them is fast.
    fs.writeFileSync(path.join(dir, "objects/info/alternates"), path.join(upstreamDir, "objects") + "\n");
    await syncMirror(dir, upstreamDir);
    return;
  }
  if (repo.orgSlug === INFRASTRUCTURE_ORG && (GLOBAL_MODULES as readonly string[]).includes(repo.name)) {
    await commitFiles(dir, {
      branch: "develop",
      files: moduleTemplate(repo.name as "role" | "profile"),
      message: `Initial ${repo.name} module`,
      alsoBranches: ["master"],
    });
    return;
  }
  if (repo.orgSlug === INFRASTRUCTURE_ORG && repo.name === BUILD_PROFILES_REPO) {
    await commitFiles(dir, { branch: "develop", files: buildProfilesTemplate(), message: "Example build profiles and stack", alsoBranches: ["master"] });
    return;
  }
  if (repo.orgSlug === INFRASTRUCTURE_ORG && repo.name === OVERLAY_REPO) {
    const [first, ...others] = OVERLAY_BRANCHES;
    await commitFiles(dir, { branch: first, files: overlayTemplate(), message: "The Rookery overlay: portage profiles and host tools", alsoBranches: others });
    return;
  }
  if (repo.kind === "standard" && repo.name === "puppet") {
    const modules = [];
    for (const name of GLOBAL_MODULES) {
      const mirror = await getRepo(db, repo.orgSlug, name);
      const source = mirror ?? (await getRepo(db, INFRASTRUCTURE_ORG, name));
      if (!source) continue;
      const sourceDir = await ensureRepoOnDisk(db, source);
      modules.push({ name, url: cloneUrl(source.orgSlug, name), ref: "develop", sha: (await headOf(sourceDir, "develop")) ?? "" });
    }
    const [org] = await db.select({ slug: organizations.slug, name: organizations.name }).from(organizations).where(eq(organizations.id, repo.orgId));
    await commitFiles(dir, {
      branch: "develop",
      files: puppetTemplate(org, modules),
      message: "Initial control repository from the Rookery template",
      alsoBranches: ["master"],
    });
    return;
  }
  if (opts.withReadme) {
    // git-flow: a repo whose default is develop (or master) gets both, with the README on each.
    const flow = ["develop", "master"];
    const alsoBranches = flow.includes(repo.defaultBranch) ? flow.filter((b) => b !== repo.defaultBranch) : [];
    await commitFiles(dir, { branch: repo.defaultBranch, files: readmeTemplate(repo), message: "Initial commit", alsoBranches });
  }
}

/** Makes a mirror's branches and tags exactly the upstream's. */
export async function syncMirror(mirrorDir: string, upstreamDir: string) {
  await gitIn(mirrorDir).fetch(["--quiet", "--prune", "--force", upstreamDir, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]);
}
