import path from "node:path";
import { getConfig } from "@/server/config";

export const repoNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$/;

export function isValidRepoName(name: string) {
  return repoNamePattern.test(name) && !name.endsWith(".git") && !name.includes("..");
}

export function gitRoot() {
  return path.join(getConfig().dataDir, "git");
}

/** DATA_DIR/git/<org>/<repo>.git — names are validated, so this never escapes the root. */
export function repoDir(orgSlug: string, repoName: string) {
  if (!/^[a-z0-9-]+$/.test(orgSlug) || !isValidRepoName(repoName)) throw new Error("invalid repository path");
  return path.join(gitRoot(), orgSlug, `${repoName}.git`);
}

/** The clone URL users and machines see. */
export function cloneUrl(orgSlug: string, repoName: string) {
  return `${getConfig().publicUrl}/git/${orgSlug}/${repoName}.git`;
}
