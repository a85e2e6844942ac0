import { infrastructureRepo } from "@/server/git/infrastructure";
import { and, arrayContains, eq, isNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { buildJobs, pipelines, runners } from "@/db/schema";
import { getConfig } from "@/server/config";
import { lookupPath } from "@/server/git/plumbing/browse";
import { branchHead } from "@/server/git/plumbing/merge";
import { readTextTree } from "@/server/git/plumbing/read";
import { cloneUrl } from "@/server/git/paths";
import { INFRASTRUCTURE_ORG, OVERLAY_BRANCHES, OVERLAY_REPO, PORTAGE_TREE_REPO, type RepoWithOrg } from "@/server/git/repos";
import { setCommitStatus, type StatusInput } from "@/server/mergerequests/statuses";
import { createPipeline, getPipeline, type JobSpec as RunnerJob } from "@/server/runners/pipelines";
import { readLog } from "@/server/runners/queue";
import { checkoutScript, TREE } from "./generate";
import { formatLintError, lintOverlay } from "./overlay-lint";
import { OVERLAY_LOCATION, OVERLAY_REPO_NAME } from "./overlay-template";

/**
 * Every push to infrastructure/overlay gets the commit status `overlay/lint`: the static
 * checks (layout.conf, profile parents, make.defaults) in the worker, then — when those pass —
 * the ebuilds' metadata with real portage (`egencache`) as a runner job with the `gentoo` tag,
 * against the tree at the same environment branch. The job's end sets the final state.
 */
export const OVERLAY_LINT_CONTEXT = "overlay/lint";
export const OVERLAY_LINT_SOURCE = "overlay-lint";
/** The lint job prints each problem on a line starting with this; the first becomes the status. */
const PROBLEM = "overlay lint: ";

/** The tree branch an overlay branch is checked against: its own environment, else development (feature branches). */
export function environmentBranchOf(branch: string): string {
  return (OVERLAY_BRANCHES as readonly string[]).includes(branch) ? branch : "development";
}

/** The runner job checking the ebuilds of one overlay commit with portage. */
export function overlayLintJob(input: { overlay: { syncUri: string; commit: string }; tree: { syncUri: string; commit: string } }): RunnerJob {
  const log = "/var/tmp/rookery/egencache.log";
  const reposConf = ["[DEFAULT]", "main-repo = gentoo", "[gentoo]", `location = ${TREE}`, `[${OVERLAY_REPO_NAME}]`, `location = ${OVERLAY_LOCATION}`, ""].join(
    "\n",
  );
  return {
    name: "overlay-lint",
    tags: ["gentoo"],
    env: { ROOKERY_OVERLAY_COMMIT: input.overlay.commit, ROOKERY_TREE_COMMIT: input.tree.commit, NOCOLOR: "true" },
    steps: [
      {
        name: "checkout",
        run: [
          `mkdir -p ${TREE} ${OVERLAY_LOCATION} /var/tmp/rookery /etc/portage/repos.conf`,
          ...checkoutScript(TREE, input.tree),
          ...checkoutScript(OVERLAY_LOCATION, input.overlay),
          `printf '%s' '${reposConf}' > /etc/portage/repos.conf/rookery-lint.conf`,
        ].join("\n"),
      },
      {
        name: "ebuild metadata",
        run: [
          `cd ${OVERLAY_LOCATION}`,
          // egencache goes on after an ebuild it cannot source; a missing cache entry tells which
          `egencache --update --repo=${OVERLAY_REPO_NAME} --jobs=1 > ${log} 2>&1 || echo "${PROBLEM}egencache failed ($?)"`,
          `cat ${log}`,
          "failed=0",
          "for e in */*/*.ebuild; do",
          '  [ -f "$e" ] || continue',
          '  cpv="${e%%/*}/$(basename "$e" .ebuild)"',
          '  [ -f "metadata/md5-cache/$cpv" ] && continue',
          `  why=$(grep -m1 -F "$e: line" ${log} | sed 's|^${OVERLAY_LOCATION}/||')`,
          `  [ -n "$why" ] || why="$e: portage cannot read it ($(grep -m1 '^EAPI=' "$e" || echo 'no EAPI'): not supported by portage?)"`,
          `  echo "${PROBLEM}$why"`,
          "  failed=1",
          "done",
          'exit "$failed"',
        ].join("\n"),
      },
      {
        name: "profiles",
        run: [
          `cd ${OVERLAY_LOCATION}`,
          "failed=0",
          "while read -r arch dir status; do",
          '  case "$arch" in ""|"#"*) continue ;; esac',
          `  ln -sfn ${OVERLAY_LOCATION}/profiles/$dir /etc/portage/make.profile`,
          `  if portageq envvar ARCH > /dev/null; then echo "profile $dir loads"; else echo "${PROBLEM}profiles/$dir: portage cannot load this profile"; failed=1; fi`,
          "done < profiles/profiles.desc",
          'exit "$failed"',
        ].join("\n"),
      },
    ],
    timeoutSeconds: 1800,
    maxAttempts: 2,
  };
}

async function hasRunnerWithTag(db: Db, tag: string) {
  const [row] = await db
    .select({ id: runners.id })
    .from(runners)
    .where(and(isNull(runners.revokedAt), arrayContains(runners.tags, [tag])))
    .limit(1);
  return !!row;
}

const jobUrl = (jobId: string) => `${getConfig().publicUrl}/jobs/${jobId}`;
const commitUrl = (sha: string) => `${getConfig().publicUrl}/orgs/${INFRASTRUCTURE_ORG}/repos/${OVERLAY_REPO}/commit/${sha}`;

async function postStatus(db: DbOrTx, repo: RepoWithOrg, dir: string, sha: string, s: Omit<StatusInput, "context">) {
  await setCommitStatus(db, repo, dir, sha, { ...s, context: OVERLAY_LINT_CONTEXT, description: s.description.slice(0, 250) }, null);
}

/** After a push to the overlay: lint each pushed branch head (statically now, with portage on a runner). */
export async function checkPushedOverlay(db: Db, branches: string[]) {
  const overlay = await infrastructureRepo(db, OVERLAY_REPO);
  if (!overlay) return [];
  const tree = await infrastructureRepo(db, PORTAGE_TREE_REPO);
  const results = [];
  for (const branch of branches) {
    const sha = await branchHead(overlay.dir, branch);
    if (!sha) continue;
    const envBranch = environmentBranchOf(branch);
    const treeCommit = tree && (await branchHead(tree.dir, envBranch));
    const errors = await lintOverlay(await readTextTree(overlay.dir, sha, ["metadata", "profiles"]), async (p) =>
      treeCommit ? (await lookupPath(tree.dir, treeCommit, p))?.type === "tree" : false,
    );
    if (!treeCommit)
      errors.unshift({ file: "profiles", line: 1, message: `${INFRASTRUCTURE_ORG}/${PORTAGE_TREE_REPO} has no branch ${envBranch} to check against yet` });
    if (errors.length) {
      const description = `${formatLintError(errors[0])}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`;
      await postStatus(db, overlay.repo, overlay.dir, sha, { state: "failed", description, targetUrl: commitUrl(sha) });
      results.push({ branch, sha, ok: false, description, jobId: null });
      continue;
    }
    const description =
      (await hasRunnerWithTag(db, "gentoo")) ?
        "Layout and profiles are valid; checking the ebuilds with portage"
      : "Layout and profiles are valid; no runner has the gentoo tag to check the ebuilds with portage";
    // One transaction: no runner sees the job (and no end of it sets the status) before it is pending.
    const jobId = await db.transaction(async (tx) => {
      const pipeline = await createPipeline(tx, {
        name: `Lint overlay ${branch} @ ${sha.slice(0, 12)}`,
        source: OVERLAY_LINT_SOURCE,
        ref: branch,
        jobs: [
          overlayLintJob({
            overlay: { syncUri: cloneUrl(INFRASTRUCTURE_ORG, OVERLAY_REPO), commit: sha },
            tree: { syncUri: cloneUrl(INFRASTRUCTURE_ORG, PORTAGE_TREE_REPO), commit: treeCommit! },
          }),
        ],
      });
      const id = (await getPipeline(tx, pipeline.id))!.jobs[0].id;
      await postStatus(tx, overlay.repo, overlay.dir, sha, { state: "pending", description, targetUrl: jobUrl(id) });
      return id;
    });
    results.push({ branch, sha, ok: true, description, jobId });
  }
  return results;
}

/** The worker's handler when a build job finished: an overlay lint job sets its commit's status. Others: null. */
export async function overlayLintFinished(db: Db, jobId: string) {
  const [row] = await db
    .select({ job: buildJobs, source: pipelines.source })
    .from(buildJobs)
    .innerJoin(pipelines, eq(pipelines.id, buildJobs.pipelineId))
    .where(eq(buildJobs.id, jobId));
  if (!row || row.source !== OVERLAY_LINT_SOURCE || !["success", "failed"].includes(row.job.status)) return null;
  const sha = (row.job.env as Record<string, string>).ROOKERY_OVERLAY_COMMIT;
  const overlay = await infrastructureRepo(db, OVERLAY_REPO);
  if (!overlay || !sha) return null;
  let description = "The ebuilds' metadata and every profile load with portage";
  if (row.job.status === "failed") {
    const chunks = await readLog(db, jobId, { attempt: row.job.attempt, offset: 0 }, 100_000);
    const text = Buffer.concat(chunks.filter((c) => c.attempt === row.job.attempt).map((c) => c.data)).toString("utf8");
    const problem = text.split("\n").find((l) => l.startsWith(PROBLEM));
    description = problem ? problem.slice(PROBLEM.length) : (row.job.failureReason ?? "The lint job failed: see its log");
  }
  await postStatus(db, overlay.repo, overlay.dir, sha, { state: row.job.status === "success" ? "success" : "failed", description, targetUrl: jobUrl(jobId) });
  return { sha, state: row.job.status, description };
}
