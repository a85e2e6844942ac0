/** Links into the code browser. Refs and paths are encoded segment by segment (slashes stay). */

export const encodePath = (p: string) => p.split("/").map(encodeURIComponent).join("/");

const join = (ref: string, path?: string | null) => encodePath(ref) + (path ? `/${encodePath(path)}` : "");

export function repoUrl(slug: string, repo: string) {
  return `/orgs/${encodeURIComponent(slug)}/repos/${encodeURIComponent(repo)}`;
}

export const treeUrl = (slug: string, repo: string, ref: string, path?: string | null) => `${repoUrl(slug, repo)}/tree/${join(ref, path)}`;
export const blobUrl = (slug: string, repo: string, ref: string, path: string) => `${repoUrl(slug, repo)}/blob/${join(ref, path)}`;
export const rawUrl = (slug: string, repo: string, ref: string, path: string) => `${repoUrl(slug, repo)}/raw/${join(ref, path)}`;
export const commitUrl = (slug: string, repo: string, sha: string) => `${repoUrl(slug, repo)}/commit/${sha}`;
export const archiveUrl = (slug: string, repo: string, ref: string) => `${repoUrl(slug, repo)}/archive/${encodePath(ref)}.tar.gz`;
export const compareUrl = (slug: string, repo: string, base: string, head: string) =>
  `${repoUrl(slug, repo)}/compare/${encodePath(base)}...${encodePath(head)}`;

export function commitsUrl(slug: string, repo: string, ref: string, opts: { path?: string | null; page?: number } = {}) {
  const qs = new URLSearchParams();
  if (opts.path) qs.set("path", opts.path);
  if (opts.page && opts.page > 1) qs.set("page", String(opts.page));
  const s = qs.toString();
  return `${repoUrl(slug, repo)}/commits/${encodePath(ref)}${s ? `?${s}` : ""}`;
}

/** A link to an entry whose name is not valid UTF-8: the parent's URL plus the raw name in hex. */
export const withRawName = (url: string, nameHex: string) => `${url}?name=${nameHex}`;

export const mrUrl = (slug: string, repo: string, number: number, tab?: "commits" | "changes") =>
  `${repoUrl(slug, repo)}/merge_requests/${number}${tab ? `/${tab}` : ""}`;
export const newMrUrl = (slug: string, repo: string, source?: string, target?: string) => {
  const qs = new URLSearchParams();
  if (source) qs.set("source", source);
  if (target) qs.set("target", target);
  const s = qs.toString();
  return `${repoUrl(slug, repo)}/merge_requests/new${s ? `?${s}` : ""}`;
};
