import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { DenialBoundary } from "@/components/denial-boundary";
import { NotificationBell } from "@/components/notifications/bell";
import { Sidebar } from "@/components/sidebar";
import { UserMenu } from "@/components/user-menu";
import { api } from "@/server/api/server";
import { getSessionUser } from "@/server/auth/session";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const caller = await api();
  if ((await caller.setup.status()).needsSetup) redirect("/setup");
  const user = await getSessionUser();
  if (!user) redirect("/login");
  const [reviews, links, unread] = await Promise.all([
    caller.mergeRequests.inboxCounts().then((c) => c.awaiting),
    caller.orgs.navigation(),
    caller.notifications.unreadCount(),
  ]);
  return (
    <div className="flex min-h-screen flex-col">
      <header className="flex h-12 items-center gap-2 bg-gray-900 px-3 text-white sm:gap-4 sm:px-4 dark:bg-black">
        <Link href="/" className="text-base font-semibold tracking-tight">
          Rookery
        </Link>
        <form action="/search" role="search" className="min-w-0 flex-1">
          <input
            type="search"
            name="q"
            aria-label="Search"
            placeholder="Search…"
            className="w-full max-w-sm rounded-md border border-white/20 bg-white/10 px-3 py-1 text-sm placeholder:text-white/60 focus:bg-white focus:text-gray-900 focus:outline-none"
          />
        </form>
        <Link
          href="/merge_requests"
          className="relative rounded-md px-2 py-1 text-sm hover:bg-white/10"
          aria-label={reviews === 0 ? "Merge requests, none waiting for your review" : `Merge requests, ${reviews} waiting for your review`}
        >
          <span className="hidden sm:inline">Merge requests</span>
          <span className="sm:hidden">MRs</span>
          {reviews > 0 && (
            <span data-testid="review-count" className="ml-1 rounded-full bg-brand-600 px-1.5 text-[0.7rem] font-semibold">
              {reviews > 99 ? "99+" : reviews}
            </span>
          )}
        </Link>
        <NotificationBell initialCount={unread} />
        <UserMenu username={user.username} displayName={user.displayName} isAdmin={user.isAdmin} />
      </header>
      <div className="flex flex-1 flex-col md:flex-row">
        <Sidebar links={links} />
        <main className="min-w-0 flex-1 px-4 py-4 md:px-8 md:py-6">
          <DenialBoundary>{children}</DenialBoundary>
        </main>
      </div>
    </div>
  );
}
