import Link from "next/link";
import { api } from "@/server/api/server";
import { PullMirrorPanel } from "./pull-mirror-panel";

/** Repo page additions: the pull-mirror status panel, and the way to the webhooks for those who manage them. */
export async function RepoExtras({ slug, name, kind }: { slug: string; name: string; kind: string }) {
  const caller = await api();
  const [hooks, mirror] = await Promise.all([
    caller.webhooks.list({ slug, repo: name }),
    kind === "pull-mirror" ? caller.mirrors.status({ slug, name }) : null,
  ]);
  if (!mirror && !hooks.canManage) return null;
  return (
    <div className="space-y-2">
      {mirror && <PullMirrorPanel slug={slug} name={name} mirror={mirror.mirror} canSync={mirror.canSync} />}
      {hooks.canManage && (
        <p className="text-right text-sm">
          <Link href={`/orgs/${slug}/repos/${encodeURIComponent(name)}/hooks`} className="text-brand-700 hover:underline dark:text-brand-100">
            Webhooks{hooks.hooks.length ? ` (${hooks.hooks.length})` : ""}
          </Link>
        </p>
      )}
    </div>
  );
}
