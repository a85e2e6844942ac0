import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { MarkAllReadButton, NotificationList } from "@/components/notifications/notification-list";
import { Breadcrumbs, cx, EmptyState, PageHeader } from "@/components/ui";

export const metadata = { title: "Notifications" };

type Search = { cursor?: string; filter?: string };

export default async function NotificationsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const { cursor, filter } = await searchParams;
  const unreadOnly = filter === "unread";
  const caller = await api();
  const validCursor = cursor && /^[0-9a-f-]{36}$/i.test(cursor) ? cursor : null;
  const [page, unread] = await orNotFound(
    Promise.all([caller.notifications.list({ cursor: validCursor, unreadOnly, limit: 25 }), caller.notifications.unreadCount()]),
  );
  const tab = (active: boolean) =>
    cx(
      "border-b-2 px-3 py-2 text-sm",
      active ? "border-brand-600 font-medium text-brand-700 dark:text-brand-100" : "border-transparent text-gray-600 hover:text-gray-900 dark:text-gray-400",
    );
  const base = unreadOnly ? "/notifications?filter=unread" : "/notifications";
  return (
    <>
      <Breadcrumbs items={[{ label: "Dashboard", href: "/" }, { label: "Notifications" }]} />
      <PageHeader
        title="Notifications"
        description={
          <>
            {unread === 0 ? "You have no unread notifications." : `${unread} unread.`} Choose what you receive in{" "}
            <Link href="/settings/notifications" className="text-brand-600 underline">
              notification settings
            </Link>
            .
          </>
        }
        actions={<MarkAllReadButton disabled={unread === 0} />}
      />
      <nav aria-label="Filter notifications" className="mb-4 flex gap-1 border-b border-gray-200 dark:border-gray-700">
        <Link href="/notifications" className={tab(!unreadOnly)} aria-current={!unreadOnly ? "page" : undefined}>
          All
        </Link>
        <Link href="/notifications?filter=unread" className={tab(unreadOnly)} aria-current={unreadOnly ? "page" : undefined}>
          Unread
        </Link>
      </nav>
      {page.items.length === 0 ?
        <EmptyState
          title={
            validCursor ? "No older notifications"
            : unreadOnly ?
              "You're all caught up"
            : "No notifications yet"
          }
        >
          {validCursor ?
            <Link href={base} className="text-brand-600 underline">
              Back to the newest
            </Link>
          : "You'll be notified here when someone adds you to an organization, when security-relevant things happen to your account, and about activity in your organizations."
          }
        </EmptyState>
      : <NotificationList items={page.items} />}
      <div className="mt-4 flex gap-3 text-sm">
        {validCursor && (
          <Link href={base} className="text-brand-600 underline">
            Newest
          </Link>
        )}
        {page.nextCursor && (
          <Link href={`${base}${unreadOnly ? "&" : "?"}cursor=${page.nextCursor}`} className="text-brand-600 underline">
            Older notifications
          </Link>
        )}
      </div>
    </>
  );
}
