import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { NotificationPreferences } from "@/components/settings/notification-preferences";
import { Alert, Breadcrumbs, PageHeader } from "@/components/ui";

export const metadata = { title: "Notification settings" };

export default async function NotificationSettingsPage() {
  const caller = await api();
  const [me, preferences] = await orNotFound(Promise.all([caller.me.get(), caller.notifications.preferences()]));
  return (
    <>
      <Breadcrumbs items={[{ label: "Settings", href: "/settings" }, { label: "Notifications" }]} />
      <PageHeader
        title="Notifications"
        description={
          <>
            Choose, for each kind of event, whether it shows up in your{" "}
            <Link href="/notifications" className="text-brand-600 underline">
              notification centre
            </Link>
            , by email, or both.
          </>
        }
      />
      <div className="max-w-3xl space-y-4">
        {me.email ?
          <p className="text-sm text-gray-600 dark:text-gray-400">
            Emails go to <strong>{me.email}</strong>.
          </p>
        : <Alert tone="warning">
            Your account has no email address, so no email can be sent to you.{" "}
            {me.source === "local" ?
              <>
                Add one on your{" "}
                <Link href="/settings" className="underline">
                  profile
                </Link>
                .
              </>
            : "Ask your directory administrator to add one (LDAP mail attribute)."}
          </Alert>
        }
        <NotificationPreferences preferences={preferences} />
      </div>
    </>
  );
}
