import { api, orgView } from "@/server/api/server";
import { UpdatesCard } from "@/components/tinderbox/updates-card";
import { Card, RoleBadge } from "@/components/ui";
import { MemberManager } from "@/components/orgs/member-manager";

export default async function OrgOverviewPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { org, members, permissions } = await orgView(slug);
  // leaders (and admins) only: null for everyone else
  const updates = await (await api()).tinderbox.updates({ slug });
  const leaders = members.filter((m) => m.role === "leader");
  return (
    <div className="space-y-6">
      {org.description && <p className="text-gray-700 dark:text-gray-300">{org.description}</p>}
      {updates && <UpdatesCard slug={org.slug} updates={updates} />}
      <section aria-labelledby="leaders-heading">
        <h2 id="leaders-heading" className="mb-2 text-lg font-semibold">
          Leaders
        </h2>
        {leaders.length === 0 ?
          <p className="text-sm text-gray-600 dark:text-gray-400">This organization has no leader yet.</p>
        : <ul aria-label="Leaders" className="flex flex-wrap gap-2">
            {leaders.map((m) => (
              <li key={m.userId}>
                <Card className="px-3 py-2 text-sm">
                  <span className="font-medium">{m.displayName}</span> <span className="text-gray-500">@{m.username}</span>
                </Card>
              </li>
            ))}
          </ul>
        }
      </section>
      <section aria-labelledby="members-heading">
        <h2 id="members-heading" className="mb-2 text-lg font-semibold">
          Members <span className="text-sm font-normal text-gray-500">({members.length})</span>
        </h2>
        {permissions.manageMembers ?
          <MemberManager slug={org.slug} members={members} />
        : <ul aria-label="Members" className="divide-y divide-gray-200 rounded-lg border border-gray-200 dark:divide-gray-700 dark:border-gray-700">
            {members.map((m) => (
              <li key={m.userId} className="flex items-center justify-between px-3 py-2 text-sm">
                <span>
                  <span className="font-medium">{m.displayName}</span> <span className="text-gray-500">@{m.username}</span>
                </span>
                <RoleBadge role={m.role} />
              </li>
            ))}
          </ul>
        }
      </section>
    </div>
  );
}
