"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import type { OrgLinks } from "@/server/api/routers/orgs";

export type Navigation = { adminArea: boolean; everyOrg: OrgLinks | null; orgs: Record<string, OrgLinks> };
import { cx } from "./ui";

type Item = { href: string; label: string; exact?: boolean };

/** `links`: what the policy lets the user open (orgs.navigation). */
function navFor(pathname: string, links: Navigation): { title: string; items: Item[] } {
  const org = pathname.match(/^\/orgs\/([^/]+)/);
  if (org) {
    const base = `/orgs/${org[1]}`;
    const may = links.everyOrg ?? links.orgs[org[1]] ?? { audit: false };
    return {
      title: org[1],
      items: [
        { href: base, label: "Overview", exact: true },
        { href: `${base}/repositories`, label: "Repositories" },
        { href: `${base}/builds`, label: "Builds" },
        { href: `${base}/certificates`, label: "Certificates" },
        { href: `${base}/hosts`, label: "Hosts" },
        { href: `${base}/distfiles`, label: "Distfiles" },
        { href: `${base}/hooks`, label: "Webhooks" },
        ...(may.audit ? [{ href: `${base}/audit`, label: "Audit log" }] : []),
      ],
    };
  }
  if (pathname.startsWith("/admin")) {
    return {
      title: "Admin area",
      items: [
        { href: "/admin", label: "Overview", exact: true },
        { href: "/admin/users", label: "Users" },
        { href: "/admin/orgs", label: "Organizations" },
        { href: "/admin/ldap", label: "LDAP sync" },
        { href: "/admin/jobs", label: "Background jobs" },
        { href: "/admin/backups", label: "Backups" },
        { href: "/admin/farm", label: "Build farm" },
        { href: "/admin/runners", label: "Runners" },
        { href: "/pipelines", label: "Pipelines" },
        { href: "/admin/pki", label: "PKI" },
        { href: "/admin/audit", label: "Audit log" },
      ],
    };
  }
  if (pathname === "/farm" || pathname.startsWith("/farm/")) {
    return {
      title: "Build farm",
      items: [
        { href: "/farm", label: "Build profiles", exact: true },
        { href: "/farm/binhost", label: "Binary packages" },
        { href: "/farm/search", label: "Package search" },
      ],
    };
  }
  if (pathname.startsWith("/settings")) {
    return {
      title: "Settings",
      items: [
        { href: "/settings", label: "Profile", exact: true },
        { href: "/settings/tokens", label: "Access tokens" },
        { href: "/settings/notifications", label: "Notifications" },
      ],
    };
  }
  return {
    title: "Dashboard",
    items: [
      { href: "/", label: "Your organizations", exact: true },
      { href: "/notifications", label: "Notifications" },
      { href: "/farm", label: "Build farm" },
      { href: "/merge_requests", label: "Merge requests" },
      { href: "/pipelines", label: "Pipelines" },
      ...(links.adminArea ? [{ href: "/admin", label: "Admin area" }] : []),
    ],
  };
}

/** The section's links; on a phone a bar that opens them (closed again on every navigation). */
export function Sidebar({ links }: { links: Navigation }) {
  const pathname = usePathname();
  const nav = navFor(pathname, links);
  const [openAt, setOpenAt] = useState<string | null>(null);
  const open = openAt === pathname;
  return (
    <nav
      aria-label="Sidebar"
      className="shrink-0 border-b border-gray-200 bg-white px-3 py-2 md:w-56 md:border-r md:border-b-0 md:py-4 dark:border-gray-800 dark:bg-gray-900"
    >
      <button
        type="button"
        className="flex w-full items-center justify-between rounded-md px-2 py-1 text-sm font-medium md:hidden"
        aria-expanded={open}
        aria-controls="sidebar-links"
        onClick={() => setOpenAt(open ? null : pathname)}
      >
        <span>{nav.title}</span>
        <span aria-hidden>{open ? "▴" : "▾"}</span>
        <span className="sr-only">{open ? "Close the menu" : "Open the menu"}</span>
      </button>
      <div className="mb-2 hidden px-2 text-xs font-semibold uppercase tracking-wide text-gray-500 md:block">{nav.title}</div>
      <ul id="sidebar-links" className={cx("space-y-0.5 md:block", open ? "mt-1 block" : "hidden")}>
        {nav.items.map((item) => {
          const active = item.exact ? pathname === item.href : pathname === item.href || pathname.startsWith(item.href + "/");
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "block rounded-md px-2 py-1.5 text-sm",
                  active ?
                    "bg-brand-50 font-medium text-brand-700 dark:bg-gray-800 dark:text-brand-100"
                  : "text-gray-700 hover:bg-gray-100 dark:text-gray-300 dark:hover:bg-gray-800",
                )}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
