"use client";

import Link from "next/link";
import { signOut } from "next-auth/react";
import { ThemeToggle } from "./theme-toggle";

export function UserMenu({ username, displayName, isAdmin }: { username: string; displayName: string; isAdmin: boolean }) {
  return (
    <details className="relative">
      <summary aria-label="User menu" className="flex cursor-pointer list-none items-center gap-2 rounded-md px-2 py-1 text-sm hover:bg-white/10">
        <span className="flex h-7 w-7 items-center justify-center rounded-full bg-white/20 text-xs font-semibold uppercase">{displayName.slice(0, 2)}</span>
        <span className="hidden sm:inline">{username}</span>
      </summary>
      <div className="absolute right-0 z-20 mt-2 w-56 rounded-md border border-gray-200 bg-white py-1 text-gray-800 shadow-lg dark:border-gray-700 dark:bg-gray-800 dark:text-gray-100">
        <div className="border-b border-gray-200 px-3 py-2 text-sm dark:border-gray-700">
          <div className="font-medium">{displayName}</div>
          <div className="text-xs text-gray-500">
            @{username}
            {isAdmin ? " · admin" : ""}
          </div>
        </div>
        <Link href="/settings" className="block px-3 py-2 text-sm hover:bg-gray-100 dark:hover:bg-gray-700">
          Settings
        </Link>
        <Link href="/settings/tokens" className="block px-3 py-2 text-sm hover:bg-gray-100 dark:hover:bg-gray-700">
          Access tokens
        </Link>
        <ThemeToggle />
        <button
          type="button"
          onClick={() => signOut({ callbackUrl: "/login" })}
          className="block w-full border-t border-gray-200 px-3 py-2 text-left text-sm hover:bg-gray-100 dark:border-gray-700 dark:hover:bg-gray-700"
        >
          Sign out
        </button>
      </div>
    </details>
  );
}
