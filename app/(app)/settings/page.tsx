import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { PasswordForm } from "@/components/settings/password-form";
import { ProfileForm } from "@/components/settings/profile-form";
import { Badge, Breadcrumbs, Card, formatDate, PageHeader } from "@/components/ui";

export const metadata = { title: "Profile" };

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-4 px-4 py-2.5 text-sm">
      <dt className="font-medium text-gray-600 dark:text-gray-400">{label}</dt>
      <dd className="col-span-2 text-gray-900 dark:text-gray-100">{children}</dd>
    </div>
  );
}

export default async function ProfilePage() {
  const me = await orNotFound((await api()).me.get());
  const ldap = me.source === "ldap";
  return (
    <>
      <Breadcrumbs items={[{ label: "Settings", href: "/settings" }, { label: "Profile" }]} />
      <PageHeader title="Profile" description="Your account as Rookery knows it." />
      <div className="max-w-3xl space-y-8">
        <Card>
          <dl aria-label="Account" className="divide-y divide-gray-200 dark:divide-gray-700">
            <Row label="Username">@{me.username}</Row>
            <Row label="Name">{me.displayName}</Row>
            <Row label="Email">{me.email ?? <span className="text-gray-500">No email address</span>}</Row>
            <Row label="Account source">
              {ldap ?
                <Badge tone="blue">LDAP directory</Badge>
              : <Badge>Local account</Badge>}{" "}
              {me.isAdmin && <Badge tone="purple">Administrator</Badge>}
            </Row>
            <Row label="Member since">{formatDate(me.createdAt)}</Row>
            <Row label="Last sign-in">{formatDate(me.lastLoginAt)}</Row>
          </dl>
        </Card>

        <section aria-labelledby="edit-heading">
          <h2 id="edit-heading" className="mb-3 text-lg font-semibold">
            Edit profile
          </h2>
          {ldap ?
            <p className="text-sm text-gray-600 dark:text-gray-400">
              Your name and email come from the directory (LDAP) and are refreshed when you sign in and at each sync. Ask your directory administrator to change
              them.
            </p>
          : <ProfileForm displayName={me.displayName} email={me.email} />}
        </section>

        <section aria-labelledby="password-heading">
          <h2 id="password-heading" className="mb-3 text-lg font-semibold">
            Password
          </h2>
          {ldap ?
            <p className="text-sm text-gray-600 dark:text-gray-400">
              Your password is managed by the directory (LDAP); change it there. For git and API access you can also use{" "}
              <Link href="/settings/tokens" className="text-brand-600 underline">
                personal access tokens
              </Link>
              .
            </p>
          : <PasswordForm />}
        </section>
      </div>
    </>
  );
}
