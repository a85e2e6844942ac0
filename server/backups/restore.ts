import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Db } from "@/db/client";
import { GitError } from "@/server/git/plumbing/cli";
import { gitIn } from "@/server/git/plumbing/simple";
import { installHooks } from "@/server/git/hooks";
import { isValidRepoName, repoDir } from "@/server/git/paths";
import { getRepo, insertRepo } from "@/server/git/repos";
import { getOrgBySlug } from "@/server/orgs";
import { InputError, NotFoundError } from "@/server/errors";

/** A restore refused for a reason the operator can fix (bad bundle, unknown org…). */
export class RestoreError extends InputError {
  constructor(message: string) {
    super(null, message);
  }
}

export type RestoreResult = { orgId: string; dir: string; created: boolean; replaced: boolean; refs: number; defaultBranch: string };

/**
 * Restores one repository from a bundle written by the backup (or any `git bundle create
 * --all`): the bundle is verified, unpacked into a fresh bare repository next to the
 * target (Rookery's hooks and settings installed), and swapped in with two renames. The
 * repository row is created when missing (a standard repo with default branch protection).
 */
export async function restoreRepo(db: Db, target: { orgSlug: string; name: string }, bundlePath: string): Promise<RestoreResult> {
  const org = await getOrgBySlug(db, target.orgSlug);
  if (!org) throw new NotFoundError(`No organization with slug ${target.orgSlug}`);
  if (!isValidRepoName(target.name)) throw new RestoreError(`${target.name} is not a valid repository name`);
  const bundle = path.resolve(bundlePath);
  if (!fs.existsSync(bundle) || !fs.statSync(bundle).isFile()) throw new RestoreError(`No bundle file at ${bundle}`);

  const existing = await getRepo(db, org.slug, target.name);
  const dir = repoDir(org.slug, target.name);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = path.join(path.dirname(dir), `.restore-${target.name}-${randomBytes(4).toString("hex")}`);
  try {
    fs.mkdirSync(tmp);
    const git = gitIn(tmp, { allowConfig: ["http.receivepack", "uploadpack.allowFilter", "receive.advertisePushOptions"] });
    await git.init(true, ["--quiet"]);
    const verify = await git.raw(["bundle", "verify", "--quiet", bundle]).then(
      () => null,
      (e: unknown) => {
        if (e instanceof GitError) return e.result.stderr;
        throw e;
      },
    );
    if (verify !== null) throw new RestoreError(`${bundle} is not a valid, complete git bundle: ${verify.trim().split("\n").pop() ?? ""}`);
    await git.fetch(["--quiet", "--no-write-fetch-head", bundle, "+refs/*:refs/*"]);
    const refs = (await git.raw(["for-each-ref", "--format=%(refname)"])).split("\n").filter(Boolean);
    const branches = refs.filter((r) => r.startsWith("refs/heads/")).map((r) => r.slice("refs/heads/".length));

    // HEAD: the row's default branch, else the branch the bundle's HEAD pointed at, else the git-flow names.
    const heads = await git.raw(["bundle", "list-heads", bundle]);
    const headSha = /^([0-9a-f]+) HEAD$/m.exec(heads)?.[1];
    const headBranch = [...heads.matchAll(/^([0-9a-f]+) refs\/heads\/(\S+)$/gm)].find((m) => m[1] === headSha)?.[2];
    const defaultBranch =
      [existing?.defaultBranch, headBranch, "develop", "master", "main"].find((b): b is string => !!b && branches.includes(b)) ??
      branches[0] ??
      existing?.defaultBranch ??
      "develop";
    await git.raw(["symbolic-ref", "HEAD", `refs/heads/${defaultBranch}`]);
    await git.addConfig("http.receivepack", "true");
    await git.addConfig("uploadpack.allowFilter", "true");
    await git.addConfig("receive.advertisePushOptions", "true");
    installHooks(tmp);

    // The row (when missing) and the swap succeed or fail together.
    const replaced = fs.existsSync(dir);
    const old = `${dir}.old-${randomBytes(4).toString("hex")}`;
    await db.transaction(async (tx) => {
      if (!existing) await insertRepo(tx, org, { name: target.name, defaultBranch });
      if (replaced) fs.renameSync(dir, old);
      try {
        fs.renameSync(tmp, dir);
      } catch (e) {
        if (replaced) fs.renameSync(old, dir);
        throw e;
      }
    });
    if (replaced) fs.rmSync(old, { recursive: true, force: true });
    const created = !existing;
    return { orgId: org.id, dir, created, replaced, refs: refs.length, defaultBranch };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
