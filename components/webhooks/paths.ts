/** A repository's hooks (`repo` given) or an organization's; shared by server and client components. */
export type HookTarget = { slug: string; repo?: string };

export function hooksPath(target: HookTarget) {
  return target.repo ? `/orgs/${target.slug}/repos/${encodeURIComponent(target.repo)}/hooks` : `/orgs/${target.slug}/hooks`;
}
