import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { Alert, Badge, Card } from "@/components/ui";
import { ProtectionEditor } from "@/components/repos/protection-editor";
import { MergeRulesEditor } from "@/components/mergerequests/merge-rules";
import { ArchiveRepo, DeleteRepo, GeneralSettings, RenameRepo } from "@/components/repos/repo-settings";
import { Housekeeping } from "@/components/repos/housekeeping";

type Props = { params: Promise<{ slug: string; repo: string }> };

export async function generateMetadata({ params }: Props) {
  const { repo } = await params;
  return { title: `Settings · ${repo}` };
}

function Section({ id, title, children, danger }: { id: string; title: string; children: React.ReactNode; danger?: boolean }) {
  return (
    <section aria-labelledby={id}>
      <Card className={danger ? "border-red-300 p-4 dark:border-red-800" : "p-4"}>
        <h3 id={id} className={danger ? "mb-3 font-semibold text-red-700 dark:text-red-400" : "mb-3 font-semibold"}>
          {title}
        </h3>
        {children}
      </Card>
    </section>
  );
}

export default async function RepoSettingsPage({ params }: Props) {
  const { slug, repo: name } = await params;
  const { repo, protections, branches, managedReason, housekeeping } = await orNotFound((await api()).repoAdmin.settings({ slug, name }));
  const mirror = repo.kind === "module-mirror";
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-xl font-semibold">
          <Link href={`/orgs/${slug}/repos/${encodeURIComponent(repo.name)}`} className="hover:underline">
            {repo.name}
          </Link>{" "}
          <span className="font-normal text-gray-500">· Settings</span> {repo.archivedAt && <Badge tone="amber">Archived</Badge>}
        </h2>
      </div>
      {managedReason && <Alert tone="info">{managedReason}.</Alert>}

      {!mirror && (
        <>
          <Section id="general-heading" title="General">
            <GeneralSettings slug={slug} name={repo.name} description={repo.description} defaultBranch={repo.defaultBranch} branches={branches} />
          </Section>
          <Section id="protection-heading" title="Protected branches">
            <p className="mb-3 max-w-3xl text-sm text-gray-600 dark:text-gray-400">
              Pushes, force-pushes and deletions of matching branches are checked by the pre-receive hook, and browser edits follow the same rules. Changes
              apply to the next push. Patterns are exact branch names or prefixes ending in <code>/*</code>.
            </p>
            <ProtectionEditor slug={slug} name={repo.name} rules={protections} />
          </Section>
          <Section id="merge-rules-heading" title="Merge rules">
            <p className="mb-3 max-w-3xl text-sm text-gray-600 dark:text-gray-400">
              What a merge request into a protected branch needs before it can be merged. Only leaders merge into protected branches.
            </p>
            <MergeRulesEditor slug={slug} name={repo.name} rules={protections} />
          </Section>
          {!managedReason && (
            <Section id="rename-heading" title="Rename">
              <RenameRepo slug={slug} name={repo.name} />
            </Section>
          )}
        </>
      )}
      <Section id="housekeeping-heading" title="Housekeeping">
        <Housekeeping slug={slug} name={repo.name} last={housekeeping.last} cron={housekeeping.cron} />
      </Section>
      {!mirror && (
        <>
          <Section id="archive-heading" title={repo.archivedAt ? "Unarchive" : "Archive"}>
            <ArchiveRepo slug={slug} name={repo.name} archived={!!repo.archivedAt} />
          </Section>
          {!managedReason && (
            <Section id="delete-heading" title="Delete repository" danger>
              <DeleteRepo slug={slug} name={repo.name} />
            </Section>
          )}
        </>
      )}
    </div>
  );
}
