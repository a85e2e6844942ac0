"use client";

import Link from "next/link";
import { useEffect } from "react";
import { trpc } from "@/components/trpc";

/** Top-bar bell: unread count, refreshed every 30 s and whenever a page marks something read. */
export function NotificationBell({ initialCount }: { initialCount: number }) {
  const utils = trpc.useUtils();
  // A server re-render (router.refresh) brings a fresh count.
  useEffect(() => {
    utils.notifications.unreadCount.setData(undefined, initialCount);
  }, [utils, initialCount]);
  const { data: count = initialCount } = trpc.notifications.unreadCount.useQuery(undefined, {
    initialData: initialCount,
    refetchInterval: 30_000,
    refetchOnWindowFocus: true,
  });
  const label = count === 0 ? "Notifications, none unread" : `Notifications, ${count} unread`;
  return (
    <Link href="/notifications" aria-label={label} title={label} className="relative rounded-md p-1.5 hover:bg-white/10">
      <svg aria-hidden viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} className="h-5 w-5">
        <path
          strokeLinecap="round"
          strokeLinejoin="round"
          d="M15 17h5l-1.4-1.4A2 2 0 0 1 18 14.2V11a6 6 0 1 0-12 0v3.2c0 .5-.2 1-.6 1.4L4 17h5m6 0a3 3 0 1 1-6 0m6 0H9"
        />
      </svg>
      {count > 0 && (
        <span
          data-testid="unread-count"
          className="absolute -right-1 -top-1 min-w-[1.1rem] rounded-full bg-red-600 px-1 text-center text-[0.65rem] font-semibold leading-[1.1rem] text-white"
        >
          {count > 99 ? "99+" : count}
        </span>
      )}
    </Link>
  );
}
