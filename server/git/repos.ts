import { and, asc, eq, notExists } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { branchProtections, organizations, repositories } from "@/db/schema";
import { isValidRepoName } from "./paths";
import { InputError } from "@/server/errors";

export type Repo = typeof repositories.$inferSelect;
export type RepoWithOrg = Repo & { orgSlug: string; orgName: string; orgArchived: boolean };

export const INFRASTRUCTURE_ORG = "infrastructure";
export const GLOBAL_MODULES = ["role", "profile"] as const;
/** The build farm's profiles and stacks (server/farm): admin-owned, not mirrored. */
export const BUILD_PROFILES_REPO = "build-profiles";
/** The portage tree mirror (server/farm/tree.ts): `upstream` follows the upstream tree, the others are the farm's environments. */
export const PORTAGE_TREE_REPO = "gentoo";
export const TREE_UPSTREAM_BRANCH = "upstream";
export const TREE_BRANCHES = ["development", "staging", "production"] as const;
/** Our portage overlay (server/farm/overlay.ts): its branches are the farm's environments, like the tree's. */
export const OVERLAY_REPO = "overlay";
export const OVERLAY_BRANCHES = TREE_BRANCHES;

export class RepoInputError extends InputError {}

/** git-flow: these change only through merged merge requests. */
export const defaultProtectedPatterns = ["master", "develop", "release/*", "hotfix/*"];

/** The portage tree's branches change through syncs and merged merge requests only. */
export const treeProtectedPatterns = [TREE_UPSTREAM_BRANCH, ...TREE_BRANCHES];

async function protect(tx: DbOrTx, repos: { id: string; patterns?: string[] }[]) {
  if (!repos.length) return;
  await tx
    .insert(branchProtections)
    .values(repos.flatMap((r) => (r.patterns ?? defaultProtectedPatterns).map((pattern) => ({ repoId: r.id, pattern }))))
    .onConflictDoNothing();
}

/**
 * The project every org gets: `puppet` from the template and read-only mirrors of the
 * global `role` and `profile` modules. The infrastructure org holds those modules
 * themselves. Rows only (one statement for any number of orgs): disks are brought in
 * line by ensureRepoOnDisk.
 */
export async function insertDefaultRepos(tx: DbOrTx, orgs: { id: string; slug: string }[]) {
  const rows = orgs.flatMap((org) =>
    org.slug === INFRASTRUCTURE_ORG ?
      [
        ...GLOBAL_MODULES.map((name) => ({ orgId: org.id, name, description: `Global ${name} module, mirrored into every organization` })),
        { orgId: org.id, name: BUILD_PROFILES_REPO, description: "Build farm profiles and stacks; branches are environments" },
        {
          orgId: org.id,
          name: PORTAGE_TREE_REPO,
          description: "Portage tree for the build farm: upstream synced into development, promoted to staging and production",
          defaultBranch: "development",
        },
        { orgId: org.id, name: OVERLAY_REPO, description: "Our portage overlay: portage profiles and own packages", defaultBranch: "development" },
      ]
    : [
        { orgId: org.id, name: "puppet", description: "Puppet control repository: Puppetfile, hieradata, environments" },
        ...GLOBAL_MODULES.map((name) => ({
          orgId: org.id,
          name,
          kind: "module-mirror" as const,
          upstream: `${INFRASTRUCTURE_ORG}/${name}`,
          description: `Read-only mirror of ${INFRASTRUCTURE_ORG}/${name}`,
        })),
      ],
  );
  if (!rows.length) return;
  const inserted = await tx
    .insert(repositories)
    .values(rows)
    .onConflictDoNothing()
    .returning({ id: repositories.id, kind: repositories.kind, orgId: repositories.orgId, name: repositories.name });
  const infrastructure = orgs.find((o) => o.slug === INFRASTRUCTURE_ORG)?.id;
  await protect(
    tx,
    inserted
      .filter((r) => r.kind === "standard")
      .map((r) => ({
        id: r.id,
        patterns:
          r.orgId !== infrastructure ? undefined
          : r.name === PORTAGE_TREE_REPO ? treeProtectedPatterns
          : r.name === OVERLAY_REPO ? [...OVERLAY_BRANCHES]
          : undefined,
      })),
  );
}

export async function insertRepo(tx: DbOrTx, org: { id: string }, input: { name: string; description?: string; defaultBranch?: string }): Promise<Repo> {
  if (!isValidRepoName(input.name)) throw new RepoInputError("name", "Use letters, digits, dots, dashes and underscores (not ending in .git)");
  const branch = input.defaultBranch?.trim() || "develop";
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(branch) || branch.includes("..")) throw new RepoInputError("defaultBranch", "Not a valid branch name");
  const [repo] = await tx
    .insert(repositories)
    .values({ orgId: org.id, name: input.name, description: input.description ?? "", defaultBranch: branch })
    .onConflictDoNothing()
    .returning();
  if (!repo) throw new RepoInputError("name", "A repository with this name already exists in this organization");
  await protect(tx, [{ id: repo.id }]);
  return repo;
}

const withOrg = {
  repo: repositories,
  orgSlug: organizations.slug,
  orgName: organizations.name,
  orgArchivedAt: organizations.archivedAt,
};

function flatten(r: { repo: Repo; orgSlug: string; orgName: string; orgArchivedAt: Date | null }): RepoWithOrg {
  return { ...r.repo, orgSlug: r.orgSlug, orgName: r.orgName, orgArchived: r.orgArchivedAt !== null };
}

export async function getRepo(db: DbOrTx, orgSlug: string, name: string): Promise<RepoWithOrg | null> {
  const [row] = await db
    .select(withOrg)
    .from(repositories)
    .innerJoin(organizations, eq(organizations.id, repositories.orgId))
    .where(and(eq(organizations.slug, orgSlug), eq(repositories.name, name)))
    .limit(1);
  return row ? flatten(row) : null;
}

export async function getRepoById(db: DbOrTx, id: string): Promise<RepoWithOrg | null> {
  const [row] = await db
    .select(withOrg)
    .from(repositories)
    .innerJoin(organizations, eq(organizations.id, repositories.orgId))
    .where(eq(repositories.id, id))
    .limit(1);
  return row ? flatten(row) : null;
}

export async function listRepos(db: DbOrTx, orgId: string) {
  return db.select().from(repositories).where(eq(repositories.orgId, orgId)).orderBy(asc(repositories.name));
}

export async function listAllRepos(db: DbOrTx): Promise<RepoWithOrg[]> {
  const rows = await db.select(withOrg).from(repositories).innerJoin(organizations, eq(organizations.id, repositories.orgId));
  return rows.map(flatten);
}

export async function listMirrorsOf(db: DbOrTx, upstream: string): Promise<RepoWithOrg[]> {
  const rows = await db
    .select(withOrg)
    .from(repositories)
    .innerJoin(organizations, eq(organizations.id, repositories.orgId))
    .where(and(eq(repositories.kind, "module-mirror"), eq(repositories.upstream, upstream)));
  return rows.map(flatten);
}

export async function listProtections(db: DbOrTx, repoId: string) {
  return db.select().from(branchProtections).where(eq(branchProtections.repoId, repoId)).orderBy(asc(branchProtections.pattern));
}

export async function markPushed(db: DbOrTx, repoId: string) {
  await db.update(repositories).set({ pushedAt: new Date() }).where(eq(repositories.id, repoId));
}

export async function orgsWithoutRepos(db: DbOrTx) {
  return db
    .select({ id: organizations.id, slug: organizations.slug })
    .from(organizations)
    .where(notExists(db.select({ id: repositories.id }).from(repositories).where(eq(repositories.orgId, organizations.id))));
}
