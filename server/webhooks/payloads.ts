import { runGit } from "@/server/git/plumbing/cli";
import { getConfig } from "@/server/config";
import { cloneUrl } from "@/server/git/paths";
import { isZeroSha, ZERO_SHA } from "./events";

/**
 * GitLab-shaped payloads (https://docs.gitlab.com/user/project/integrations/webhook_events/),
 * so receivers written for GitLab need little change. Ids are Rookery's UUIDs.
 */
export type PayloadRepo = {
  id: string;
  name: string;
  description: string;
  defaultBranch: string;
  orgSlug: string;
  orgName: string;
};
export type PayloadUser = { id: string; username: string; displayName: string; email: string | null } | null;

export const MAX_COMMITS = 20;

export function repoWebUrl(repo: { orgSlug: string; name: string }) {
  return `${getConfig().publicUrl}/orgs/${repo.orgSlug}/repos/${repo.name}`;
}

export function projectOf(repo: PayloadRepo) {
  const web = repoWebUrl(repo);
  const http = cloneUrl(repo.orgSlug, repo.name);
  return {
    project: {
      id: repo.id,
      name: repo.name,
      description: repo.description,
      web_url: web,
      git_http_url: http,
      namespace: repo.orgName,
      path_with_namespace: `${repo.orgSlug}/${repo.name}`,
      default_branch: repo.defaultBranch,
      homepage: web,
      url: http,
      http_url: http,
    },
    repository: { name: repo.name, url: http, description: repo.description, homepage: web, git_http_url: http },
  };
}

function userFields(user: PayloadUser) {
  return {
    user_id: user?.id ?? null,
    user_name: user?.displayName ?? "Rookery",
    user_username: user?.username ?? "rookery",
    user_email: user?.email ?? "",
  };
}

export type PayloadCommit = {
  id: string;
  message: string;
  title: string;
  timestamp: string;
  url: string;
  author: { name: string; email: string };
  added: string[];
  modified: string[];
  removed: string[];
};

const RS = "\x1e";
const US = "\x1f";

/** Up to MAX_COMMITS commits of a range, oldest first, with the files each touched. */
export async function commitsOf(dir: string, repo: { orgSlug: string; name: string }, range: string[]): Promise<{ commits: PayloadCommit[]; total: number }> {
  const [log, count] = await Promise.all([
    runGit(
      [
        "log",
        `--max-count=${MAX_COMMITS}`,
        "--reverse",
        "--no-renames",
        "--name-status",
        `--format=${RS}%H${US}%an${US}%ae${US}%aI${US}%B${US}`,
        ...range,
        "--",
      ],
      {
        cwd: dir,
      },
    ),
    runGit(["rev-list", "--count", ...range, "--"], { cwd: dir }),
  ]);
  const web = repoWebUrl(repo);
  const commits = log.stdout
    .split(RS)
    .filter((c) => c.trim())
    .map((chunk) => {
      const [id, name, email, date, body, files = ""] = chunk.split(US);
      const added: string[] = [];
      const modified: string[] = [];
      const removed: string[] = [];
      for (const line of files.split("\n")) {
        const [status, file] = line.split("\t");
        if (!file) continue;
        if (status === "A") added.push(file);
        else if (status === "D") removed.push(file);
        else modified.push(file);
      }
      const message = body.replace(/\n+$/, "\n");
      return {
        id,
        message,
        title: message.split("\n")[0],
        timestamp: date,
        url: `${web}/commit/${id}`,
        author: { name, email },
        added,
        modified,
        removed,
      };
    });
  return { commits, total: Number(count.stdout.trim()) || 0 };
}

/** A branch push (object_kind "push"): commits new to the repository, oldest first. */
export async function pushPayload(dir: string, repo: PayloadRepo, update: { ref: string; oldSha: string; newSha: string }, user: PayloadUser) {
  const deleted = isZeroSha(update.newSha);
  let commits: PayloadCommit[] = [];
  let total = 0;
  if (!deleted) {
    // New branch: what no other branch has; otherwise old..new.
    // (--exclude patterns for --branches are relative to refs/heads/ in older git, full refs in newer: give both.)
    const branch = update.ref.slice("refs/heads/".length);
    const range =
      isZeroSha(update.oldSha) ?
        [update.newSha, "--not", `--exclude=${branch}`, `--exclude=${update.ref}`, "--branches"]
      : [`${update.oldSha}..${update.newSha}`];
    ({ commits, total } = await commitsOf(dir, repo, range));
  }
  return {
    object_kind: "push",
    event_name: "push",
    before: update.oldSha,
    after: update.newSha,
    ref: update.ref,
    checkout_sha: deleted ? null : update.newSha,
    message: null,
    ...userFields(user),
    project_id: repo.id,
    ...projectOf(repo),
    commits,
    total_commits_count: total,
  };
}

/** A tag created or deleted (object_kind "tag_push"); checkout_sha is the tagged commit. */
export async function tagPushPayload(dir: string, repo: PayloadRepo, update: { ref: string; oldSha: string; newSha: string }, user: PayloadUser) {
  const deleted = isZeroSha(update.newSha);
  let checkout: string | null = null;
  let message: string | null = null;
  if (!deleted) {
    const peeled = await runGit(["rev-parse", "--verify", "--quiet", `${update.newSha}^{commit}`], { cwd: dir, allowFailure: true });
    checkout = peeled.code === 0 ? peeled.stdout.trim() : null;
    const type = await runGit(["cat-file", "-t", update.newSha], { cwd: dir, allowFailure: true });
    if (type.stdout.trim() === "tag")
      message = (await runGit(["tag", "-l", "--format=%(contents)", update.ref.replace(/^refs\/tags\//, "")], { cwd: dir })).stdout.trim() || null;
  }
  return {
    object_kind: "tag_push",
    event_name: "tag_push",
    before: update.oldSha,
    after: update.newSha,
    ref: update.ref,
    checkout_sha: checkout,
    message,
    ...userFields(user),
    project_id: repo.id,
    ...projectOf(repo),
    commits: [] as PayloadCommit[],
    total_commits_count: 0,
  };
}

/** What "Test" sends: a push of the default branch's last (up to 3) commits, or an empty push. */
export async function samplePushPayload(dir: string | null, repo: PayloadRepo, user: PayloadUser) {
  const head = dir ? await runGit(["rev-parse", "--verify", "--quiet", `refs/heads/${repo.defaultBranch}`], { cwd: dir, allowFailure: true }) : null;
  if (!dir || !head || head.code !== 0) {
    return { ...basePush(repo, user, `refs/heads/${repo.defaultBranch}`, ZERO_SHA, ZERO_SHA), commits: [], total_commits_count: 0 };
  }
  const after = head.stdout.trim();
  const base = await runGit(["rev-parse", "--verify", "--quiet", `${after}~3`], { cwd: dir, allowFailure: true });
  const before = base.code === 0 ? base.stdout.trim() : ZERO_SHA;
  const { commits, total } = await commitsOf(dir, repo, before === ZERO_SHA ? [after, "--max-count=3"] : [`${before}..${after}`]);
  return { ...basePush(repo, user, `refs/heads/${repo.defaultBranch}`, before, after), commits, total_commits_count: total };
}

function basePush(repo: PayloadRepo, user: PayloadUser, ref: string, before: string, after: string) {
  return {
    object_kind: "push",
    event_name: "push",
    before,
    after,
    ref,
    checkout_sha: isZeroSha(after) ? null : after,
    message: null,
    ...userFields(user),
    project_id: repo.id,
    ...projectOf(repo),
  };
}
