import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { and, eq, ne } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { branchProtections, repositories } from "@/db/schema";
import { runGit } from "./plumbing/cli";
import { ensureRepoOnDisk, repoExists } from "./materialize";
import { isValidRepoName, repoDir } from "./paths";
import { listBranches } from "./plumbing/read";
import { GLOBAL_MODULES, INFRASTRUCTURE_ORG, insertRepo, RepoInputError, type Repo, type RepoWithOrg } from "./repos";

/**
 * Repository lifecycle for org members and leaders: create, settings, rename, archive,
 * delete, branch protection rules. The row and the bare repository change together:
 * the disk step runs inside the transaction callback and is undone when it fails.
 */

/** Names that would shadow pages under /orgs/<org>/repos/ (new repository, new mirror). */
const reservedNames = new Set(["new", "new-mirror"]);

const branchName = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function isValidBranchName(name: string) {
  return name.length <= 200 && branchName.test(name) && !name.includes("..") && !/\.lock(\/|$)/.test(name) && !name.endsWith(".");
}

/** Throws a field error unless `name` is a valid, unreserved name for a new or renamed repository. */
export function checkRepoName(name: string) {
  if (!isValidRepoName(name)) throw new RepoInputError("name", "Use letters, digits, dots, dashes and underscores (not ending in .git)");
  if (reservedNames.has(name.toLowerCase())) throw new RepoInputError("name", `"${name}" is reserved`);
}

/**
 * Why a repository is managed by Rookery as part of the org's project (null when it is
 * an ordinary repository its org may rename and delete).
 */
export function projectRepoReason(repo: Pick<RepoWithOrg, "kind" | "name" | "orgSlug" | "upstream">): string | null {
  if (repo.kind === "module-mirror")
    return `${repo.name} is a read-only mirror of ${repo.upstream}, part of the organization's project: it cannot be renamed or deleted`;
  if (repo.orgSlug === INFRASTRUCTURE_ORG && (GLOBAL_MODULES as readonly string[]).includes(repo.name))
    return `${INFRASTRUCTURE_ORG}/${repo.name} is mirrored into every organization: it cannot be renamed or deleted`;
  if (repo.kind === "standard" && repo.name === "puppet")
    return "puppet is the organization's control repository, part of its project: it cannot be renamed or deleted";
  return null;
}

function isUniqueViolation(e: unknown) {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === "23505" || err?.cause?.code === "23505";
}

const duplicate = () => new RepoInputError("name", "A repository with this name already exists in this organization");

export type NewRepository = { name: string; description?: string; defaultBranch?: string; withReadme?: boolean };

/** Row and bare repository in one go: a failure on disk rolls the row back and removes the directory. */
export async function createRepository(db: Db, org: { id: string; slug: string; name: string; archivedAt?: Date | null }, input: NewRepository) {
  checkRepoName(input.name);
  const dir = repoDir(org.slug, input.name);
  let created = false;
  try {
    return await db.transaction(async (tx) => {
      const row = await insertRepo(tx, org, input);
      if (fs.existsSync(dir)) throw new RepoInputError("name", "A repository directory with this name is still on disk: pick another name");
      const repo: RepoWithOrg = { ...row, orgSlug: org.slug, orgName: org.name, orgArchived: !!org.archivedAt };
      created = true;
      await ensureRepoOnDisk(tx, repo, { withReadme: input.withReadme });
      return repo;
    });
  } catch (e) {
    if (created) fs.rmSync(dir, { recursive: true, force: true });
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

/** Description and default branch (which must exist once the repository has branches). */
export async function updateRepository(db: Db, repo: RepoWithOrg, input: { description: string; defaultBranch: string }) {
  if (repo.kind === "module-mirror") throw new RepoInputError("description", projectRepoReason(repo)!);
  const defaultBranch = input.defaultBranch.trim();
  if (!isValidBranchName(defaultBranch)) throw new RepoInputError("defaultBranch", "Not a valid branch name");
  const dir = repoDir(repo.orgSlug, repo.name);
  const onDisk = repoExists(dir);
  if (onDisk && defaultBranch !== repo.defaultBranch) {
    const branches = await listBranches(dir);
    if (branches.length && !branches.some((b) => b.name === defaultBranch))
      throw new RepoInputError("defaultBranch", `There is no branch named ${defaultBranch}`);
  }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(repositories)
      .set({ description: input.description.trim(), defaultBranch, updatedAt: new Date() })
      .where(eq(repositories.id, repo.id))
      .returning();
    // What a clone checks out; inside the transaction so a failure keeps both as they were.
    if (onDisk) await runGit(["symbolic-ref", "HEAD", `refs/heads/${defaultBranch}`], { cwd: dir });
    return row;
  });
}

/** Renames row and directory together; the old clone URL stops resolving. */
export async function renameRepository(db: Db, repo: RepoWithOrg, newName: string): Promise<Repo> {
  const reason = projectRepoReason(repo);
  if (reason) throw new RepoInputError("name", reason);
  checkRepoName(newName);
  if (newName === repo.name) return repo;
  const from = repoDir(repo.orgSlug, repo.name);
  const to = repoDir(repo.orgSlug, newName);
  let moved = false;
  try {
    return await db.transaction(async (tx) => {
      const [taken] = await tx
        .select({ id: repositories.id })
        .from(repositories)
        .where(and(eq(repositories.orgId, repo.orgId), eq(repositories.name, newName), ne(repositories.id, repo.id)));
      if (taken) throw duplicate();
      if (fs.existsSync(to)) throw new RepoInputError("name", "A repository directory with this name is still on disk: pick another name");
      const [row] = await tx.update(repositories).set({ name: newName, updatedAt: new Date() }).where(eq(repositories.id, repo.id)).returning();
      if (fs.existsSync(from)) {
        fs.renameSync(from, to); // atomic on one filesystem; undone below if the commit fails
        moved = true;
      }
      return row;
    });
  } catch (e) {
    if (moved) fs.renameSync(to, from);
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

/** Archived repositories are read-only: pushes and browser edits are refused (see checkPush). */
export async function setRepositoryArchived(db: DbOrTx, repo: RepoWithOrg, archived: boolean) {
  if (repo.kind === "module-mirror") throw new RepoInputError("archived", projectRepoReason(repo)!);
  const [row] = await db
    .update(repositories)
    .set({ archivedAt: archived ? (repo.archivedAt ?? new Date()) : null, updatedAt: new Date() })
    .where(eq(repositories.id, repo.id))
    .returning();
  return row;
}

/** Deletes the row (protections cascade) and the bare repository; `confirm` must be the name. */
export async function deleteRepository(db: Db, repo: RepoWithOrg, confirm: string) {
  const reason = projectRepoReason(repo);
  if (reason) throw new RepoInputError("confirm", reason);
  if (confirm.trim() !== repo.name) throw new RepoInputError("confirm", `Type ${repo.name} to confirm`);
  const dir = repoDir(repo.orgSlug, repo.name);
  const trash = path.join(path.dirname(dir), `.trash-${repo.name}-${randomBytes(4).toString("hex")}`);
  let moved = false;
  try {
    await db.transaction(async (tx) => {
      await tx.delete(repositories).where(eq(repositories.id, repo.id));
      if (fs.existsSync(dir)) {
        fs.renameSync(dir, trash);
        moved = true;
      }
    });
  } catch (e) {
    if (moved) fs.renameSync(trash, dir);
    throw e;
  }
  fs.rmSync(trash, { recursive: true, force: true });
}

// ---- branch protection rules ----

export type ProtectionInput = {
  pattern: string;
  pushAccess: "nobody" | "leaders" | "developers";
  allowForcePush: boolean;
  allowDeletion: boolean;
};

/** Exact branch names (develop) or a prefix ending in /* (release/*). */
export function normalizePattern(pattern: string) {
  const p = pattern.trim();
  const base = p.endsWith("/*") ? p.slice(0, -2) : p;
  if (!p || !isValidBranchName(base)) throw new RepoInputError("pattern", "Use an exact branch name (develop) or a prefix ending in /* (release/*)");
  return p;
}

function protectionsEditable(repo: RepoWithOrg) {
  if (repo.kind === "module-mirror") throw new RepoInputError("pattern", `${repo.name} is a read-only mirror: nobody pushes to it`);
}

const duplicateRule = (pattern: string) => new RepoInputError("pattern", `There is already a rule for ${pattern}`);

export async function addProtection(db: DbOrTx, repo: RepoWithOrg, input: ProtectionInput) {
  protectionsEditable(repo);
  const pattern = normalizePattern(input.pattern);
  const [row] = await db
    .insert(branchProtections)
    .values({ repoId: repo.id, pattern, pushAccess: input.pushAccess, allowForcePush: input.allowForcePush, allowDeletion: input.allowDeletion })
    .onConflictDoNothing()
    .returning();
  if (!row) throw duplicateRule(pattern);
  return row;
}

export async function updateProtection(db: DbOrTx, repo: RepoWithOrg, id: string, input: ProtectionInput) {
  protectionsEditable(repo);
  const pattern = normalizePattern(input.pattern);
  const [clash] = await db
    .select({ id: branchProtections.id })
    .from(branchProtections)
    .where(and(eq(branchProtections.repoId, repo.id), eq(branchProtections.pattern, pattern), ne(branchProtections.id, id)));
  if (clash) throw duplicateRule(pattern);
  try {
    const [row] = await db
      .update(branchProtections)
      .set({ pattern, pushAccess: input.pushAccess, allowForcePush: input.allowForcePush, allowDeletion: input.allowDeletion })
      .where(and(eq(branchProtections.id, id), eq(branchProtections.repoId, repo.id)))
      .returning();
    if (!row) throw new RepoInputError("pattern", "This rule no longer exists: reload the page");
    return row;
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateRule(pattern);
    throw e;
  }
}

export async function removeProtection(db: DbOrTx, repo: RepoWithOrg, id: string) {
  protectionsEditable(repo);
  const [row] = await db
    .delete(branchProtections)
    .where(and(eq(branchProtections.id, id), eq(branchProtections.repoId, repo.id)))
    .returning();
  if (!row) throw new RepoInputError("pattern", "This rule no longer exists: reload the page");
  return row;
}
