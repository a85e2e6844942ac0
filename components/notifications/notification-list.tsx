"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button, cx, formatDate } from "@/components/ui";

export type NotificationItem = {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  readAt: Date | null;
  createdAt: Date;
};

function useRefresh() {
  const router = useRouter();
  const utils = trpc.useUtils();
  return () => {
    void utils.notifications.unreadCount.invalidate();
    router.refresh();
  };
}

export function MarkAllReadButton({ disabled }: { disabled: boolean }) {
  const refresh = useRefresh();
  const markAll = trpc.notifications.markAllRead.useMutation({ onSuccess: refresh });
  return (
    <>
      <Button variant="secondary" disabled={disabled || markAll.isPending} onClick={() => markAll.mutate()}>
        Mark all as read
      </Button>
      {formError(markAll.error) && <Alert>{formError(markAll.error)}</Alert>}
    </>
  );
}

export function NotificationList({ items }: { items: NotificationItem[] }) {
  const refresh = useRefresh();
  const markRead = trpc.notifications.markRead.useMutation({ onSuccess: refresh });
  const markUnread = trpc.notifications.markUnread.useMutation({ onSuccess: refresh });
  const error = formError(markRead.error) ?? formError(markUnread.error);
  return (
    <div className="space-y-3">
      {error && <Alert>{error}</Alert>}
      <ul
        aria-label="Notifications"
        className="divide-y divide-gray-200 rounded-lg border border-gray-200 bg-white dark:divide-gray-700 dark:border-gray-700 dark:bg-gray-800"
      >
        {items.map((n) => {
          const unread = !n.readAt;
          const title =
            n.link ?
              <Link href={n.link} className="text-brand-700 hover:underline dark:text-brand-100" onClick={() => unread && markRead.mutate({ ids: [n.id] })}>
                {n.title}
              </Link>
            : n.title;
          return (
            <li key={n.id} aria-label={n.title} className={cx("flex items-start gap-3 px-4 py-3", unread && "bg-brand-50/50 dark:bg-gray-900/40")}>
              <span aria-hidden className={cx("mt-1.5 h-2 w-2 shrink-0 rounded-full", unread ? "bg-brand-600" : "bg-transparent")} />
              <div className="min-w-0 flex-1">
                <div className={cx("text-sm", unread ? "font-semibold" : "font-normal")}>
                  {unread && <span className="sr-only">Unread: </span>}
                  {title}
                </div>
                {n.body && <p className="mt-0.5 text-sm text-gray-600 dark:text-gray-400">{n.body}</p>}
                <p className="mt-1 text-xs text-gray-500">{formatDate(n.createdAt)}</p>
              </div>
              {unread ?
                <Button
                  variant="secondary"
                  aria-label={`Mark "${n.title}" as read`}
                  disabled={markRead.isPending}
                  onClick={() => markRead.mutate({ ids: [n.id] })}
                >
                  Mark as read
                </Button>
              : <Button
                  variant="secondary"
                  aria-label={`Mark "${n.title}" as unread`}
                  disabled={markUnread.isPending}
                  onClick={() => markUnread.mutate({ ids: [n.id] })}
                >
                  Mark as unread
                </Button>
              }
            </li>
          );
        })}
      </ul>
    </div>
  );
}
