import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { Badge, Breadcrumbs, Card, PageHeader, formatDate } from "@/components/ui";

export const metadata = { title: "Admin area" };

function Stat({ label, value, href, children }: { label: string; value: number | string; href: string; children?: React.ReactNode }) {
  return (
    <Card className="p-4">
      <Link href={href} className="text-sm font-medium text-gray-600 hover:text-brand-600 hover:underline dark:text-gray-300">
        {label}
      </Link>
      <div className="mt-1 text-3xl font-semibold text-gray-900 dark:text-gray-50">{value}</div>
      {children && <div className="mt-1 text-xs text-gray-500 dark:text-gray-400">{children}</div>}
    </Card>
  );
}

export default async function AdminOverviewPage() {
  const { counts, lastSync, jobs, steps } = await orNotFound((await api()).admin.overview());
  const checklist = [
    { done: steps.org, label: "Create the first organization", href: "/admin/orgs/new", how: "Admin → Organizations → New (or import them from LDAP)" },
    {
      done: steps.pki,
      label: "Set up the PKI",
      href: "/admin/pki",
      how: "the root CA ceremony (docs/pki-operations.md), or `npm run rookery -- pki:dev-bootstrap` for a demo",
    },
    {
      done: steps.runner,
      label: "Register a build runner",
      href: "/admin/runners",
      how: "a registration token here, then `npm run runner -- register` on the build host",
    },
    { done: steps.smtp, label: "Send e-mail", href: null, how: "set SMTP_URL (and MAIL_FROM) and restart" },
  ];
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area" }]} />
      <PageHeader title="Admin area" description="Users, organizations, directory sync, background jobs and the audit log of this instance." />
      <section aria-label="Instance summary" className="grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
        <Stat label="Users" value={counts.users} href="/admin/users">
          {counts.admins} active admin{counts.admins === 1 ? "" : "s"}, {counts.disabledUsers} disabled
        </Stat>
        <Stat label="Organizations" value={counts.orgs} href="/admin/orgs">
          {counts.archivedOrgs} archived
        </Stat>
        <Stat label="Failed jobs" value={jobs.failed} href="/admin/jobs?state=failed">
          {jobs.created + jobs.retry} waiting, {jobs.active} running
        </Stat>
        <Stat label="Audit log" value="→" href="/admin/audit">
          Every change, who made it and its outcome
        </Stat>
      </section>

      {checklist.some((c) => !c.done) && (
        <section aria-labelledby="start-heading" className="mt-8">
          <h2 id="start-heading" className="mb-2 text-lg font-semibold">
            Getting started
          </h2>
          <Card className="p-4">
            <ul aria-label="Getting started" className="space-y-2 text-sm">
              {checklist.map((c) => (
                <li key={c.label} className="flex items-start gap-2">
                  <Badge tone={c.done ? "green" : "gray"}>{c.done ? "done" : "to do"}</Badge>
                  <span>
                    {c.href ?
                      <Link href={c.href} className="font-medium text-brand-600 hover:underline">
                        {c.label}
                      </Link>
                    : <span className="font-medium">{c.label}</span>}
                    {!c.done && <span className="text-gray-600 dark:text-gray-400">: {c.how}</span>}
                  </span>
                </li>
              ))}
            </ul>
          </Card>
        </section>
      )}

      {steps.ldap && (
        <section aria-labelledby="ldap-heading" className="mt-8">
          <div className="mb-2 flex items-center justify-between">
            <h2 id="ldap-heading" className="text-lg font-semibold">
              LDAP sync
            </h2>
            <Link href="/admin/ldap" className="text-sm text-brand-600 hover:underline">
              Sync status and history
            </Link>
          </div>
          <Card className="p-4 text-sm">
            {!lastSync ?
              <p className="text-gray-600 dark:text-gray-400">
                The directory has not been synced yet. Run a sync from the{" "}
                <Link href="/admin/ldap" className="text-brand-600 underline">
                  LDAP sync
                </Link>{" "}
                page to import the directory&apos;s organizations and their members.
              </p>
            : <div className="space-y-2">
                <div className="flex flex-wrap items-center gap-2">
                  <span>Last run</span>
                  <Badge
                    tone={
                      lastSync.status === "success" ? "green"
                      : lastSync.status === "failed" ?
                        "red"
                      : "blue"
                    }
                  >
                    {lastSync.status === "success" ?
                      "Succeeded"
                    : lastSync.status === "failed" ?
                      "Failed"
                    : "Running"}
                  </Badge>
                  <span className="text-gray-600 dark:text-gray-400">
                    started {formatDate(lastSync.startedAt)} ({lastSync.trigger}){lastSync.finishedAt && `, finished ${formatDate(lastSync.finishedAt)}`}
                  </span>
                </div>
                {lastSync.status !== "running" && (
                  <p className="text-gray-700 dark:text-gray-300">
                    Organizations: {lastSync.orgsAdded} added, {lastSync.orgsUpdated} updated, {lastSync.orgsArchived} archived · Users: {lastSync.usersAdded}{" "}
                    added, {lastSync.usersUpdated} updated · Memberships: {lastSync.membersAdded} added, {lastSync.membersRemoved} removed,{" "}
                    {lastSync.membersChanged} changed
                  </p>
                )}
                {lastSync.error && <p className="text-red-700 dark:text-red-400">Error: {lastSync.error}</p>}
              </div>
            }
          </Card>
        </section>
      )}
    </>
  );
}
