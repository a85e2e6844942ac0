import { runGit } from "./plumbing/cli";
import { isValidBranchName } from "./manage";
import { checkPush, type Pusher } from "@/server/auth/policies/push";
import { semverTag, type Protection } from "./protection";
import { listBranches, listTags } from "./plumbing/read";
import { RepoInputError, type RepoWithOrg } from "./repos";

/**
 * git-flow's "start" commands, done by the server: feature/<name> from develop,
 * release/vX.Y.Z from develop, hotfix/vX.Y.Z from master. Release and hotfix branches
 * are protected against pushes, but starting one is a sanctioned operation, so only
 * the repository-level rules (mirror, archived, role) apply to them.
 */
export type FlowKind = "feature" | "release" | "hotfix";

export const flowBase: Record<FlowKind, string> = { feature: "develop", release: "develop", hotfix: "master" };

const ZERO = "0".repeat(40);

type Version = [number, number, number];

function parseVersion(tag: string): Version | null {
  const m = semverTag.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

const newer = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const show = (v: Version) => `v${v.join(".")}`;

/** Next minor (release) and next patch (hotfix) after the highest vX.Y.Z tag, skipping versions already started. */
export async function flowSuggestions(dir: string) {
  const [tags, branches] = await Promise.all([listTags(dir), listBranches(dir)]);
  const versions = tags.map((t) => parseVersion(t.name)).filter((v): v is Version => v !== null);
  const latest = versions.sort(newer).at(-1) ?? null;
  const taken = new Set(branches.map((b) => b.name));
  const bump = (kind: "release" | "hotfix", start: Version) => {
    const v: Version = [...start];
    while (taken.has(`${kind}/${show(v)}`)) {
      if (kind === "release") v[1]++;
      else v[2]++;
    }
    return show(v);
  };
  return {
    latestTag: latest ? show(latest) : null,
    release: bump("release", latest ? [latest[0], latest[1] + 1, 0] : [0, 1, 0]),
    hotfix: bump("hotfix", latest ? [latest[0], latest[1], latest[2] + 1] : [0, 0, 1]),
    bases: { develop: taken.has("develop"), master: taken.has("master") },
  };
}

/** The branch a start command creates, or a field error on `name`. */
export function flowBranchName(kind: FlowKind, input: string) {
  let name = input.trim();
  if (kind === "feature") {
    if (name.startsWith("feature/")) name = name.slice("feature/".length);
    if (!name) throw new RepoInputError("name", "Give the feature a name, for example ntp-servers");
    if (!isValidBranchName(`feature/${name}`) || name.length > 100)
      throw new RepoInputError("name", "Use letters, digits, dots, dashes, underscores and slashes (for example ntp-servers)");
    return `feature/${name}`;
  }
  if (name.startsWith(`${kind}/`)) name = name.slice(kind.length + 1);
  if (/^\d/.test(name)) name = `v${name}`;
  if (!semverTag.test(name)) throw new RepoInputError("name", "Use a version vX.Y.Z, for example v1.4.0");
  return `${kind}/${name}`;
}

async function headOf(dir: string, branch: string) {
  const r = await runGit(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], { cwd: dir, allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Creates the branch with a create-only compare-and-swap: an existing branch is never moved. */
export async function startFlowBranch(dir: string, repo: RepoWithOrg, pusher: Pusher, protections: Protection[], kind: FlowKind, input: string) {
  const branch = flowBranchName(kind, input);
  const allowed = checkPush(repo, pusher, kind === "feature" ? protections : [], [{ ref: `refs/heads/${branch}`, oldSha: ZERO, newSha: "f".repeat(40) }]);
  if (!allowed.ok) throw new RepoInputError("name", allowed.messages.join("; "));
  if (kind !== "feature") {
    const version = branch.slice(kind.length + 1);
    const tag = await runGit(["rev-parse", "--verify", "--quiet", `refs/tags/${version}`], { cwd: dir, allowFailure: true });
    if (tag.code === 0) throw new RepoInputError("name", `${version} is already released (the tag exists): pick a higher version`);
  }
  const base = flowBase[kind];
  const sha = await headOf(dir, base);
  if (!sha) throw new RepoInputError("name", `This repository has no ${base} branch to start from`);
  if (await headOf(dir, branch)) throw new RepoInputError("name", `${branch} already exists`);
  const created = await runGit(["update-ref", "-m", `rookery: start ${kind} from ${base}`, `refs/heads/${branch}`, sha, ""], {
    cwd: dir,
    allowFailure: true,
  });
  if (created.code !== 0)
    throw new RepoInputError("name", (await headOf(dir, branch)) ? `${branch} already exists` : `${branch} conflicts with an existing branch name`);
  return { branch, base, sha };
}
