"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { formError, trpc } from "@/components/trpc";
import { Badge, Button } from "@/components/ui";

type Row = { id: string; username: string; isAdmin: boolean; disabled: boolean; lockedOut: boolean; source: "local" | "ldap" };

/** Make/revoke admin, disable/enable, unlock sign-in and delete, for one row of the user list. */
export function UserActions({ user }: { user: Row }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const remove = trpc.admin.deleteUser.useMutation({ onSuccess: () => router.refresh() });
  const setAdmin = trpc.admin.setAdmin.useMutation({ onSuccess: () => router.refresh() });
  const setDisabled = trpc.admin.setDisabled.useMutation({ onSuccess: () => router.refresh() });
  // The lock is shown and lifted here, so the row changes the moment the unlock succeeds.
  const unlock = trpc.admin.unlockUser.useMutation();
  const locked = user.lockedOut && !unlock.isSuccess;
  const failed = setAdmin.error ?? setDisabled.error ?? unlock.error ?? remove.error;
  const error = formError(failed) ?? failed?.message;
  const busy = setAdmin.isPending || setDisabled.isPending || unlock.isPending || remove.isPending || remove.isSuccess;
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex gap-2">
        {locked && (
          <>
            <Badge tone="amber">Sign-in locked</Badge>
            <Button variant="secondary" disabled={busy} aria-label={`Unlock sign-in of ${user.username}`} onClick={() => unlock.mutate({ userId: user.id })}>
              Unlock sign-in
            </Button>
          </>
        )}
        <Button
          variant="secondary"
          disabled={busy}
          aria-label={`${user.isAdmin ? "Revoke admin from" : "Make admin"} ${user.username}`}
          onClick={() => setAdmin.mutate({ userId: user.id, isAdmin: !user.isAdmin })}
        >
          {user.isAdmin ? "Revoke admin" : "Make admin"}
        </Button>
        <Button
          variant={user.disabled ? "secondary" : "danger"}
          disabled={busy}
          aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.username}`}
          onClick={() => setDisabled.mutate({ userId: user.id, disabled: !user.disabled })}
        >
          {user.disabled ? "Enable" : "Disable"}
        </Button>
        <Button variant="danger" disabled={busy || confirming} aria-label={`Delete ${user.username}`} onClick={() => setConfirming(true)}>
          Delete
        </Button>
      </div>
      {confirming && (
        <div
          role="alertdialog"
          aria-label={`Delete ${user.username}?`}
          className="mt-1 w-80 space-y-2 rounded border border-red-300 bg-red-50 p-3 text-left text-sm dark:border-red-800 dark:bg-red-950"
        >
          <p className="font-medium">Delete {user.username}?</p>
          <p>
            Their memberships and tokens are removed; merge requests, comments and certificates they made stay, shown as by a deleted user. This cannot be
            undone.
          </p>
          {user.source === "ldap" && (
            <p>
              {user.username} comes from the directory (LDAP): if they are still there, signing in again creates a new, empty account and the sync gives back
              their groups&apos; organizations. Remove them from LDAP first, or disable the account instead.
            </p>
          )}
          <div className="flex gap-2">
            <Button variant="danger" disabled={busy} onClick={() => remove.mutate({ userId: user.id })}>
              Delete user
            </Button>
            <Button variant="secondary" disabled={busy} onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        </div>
      )}
      {error && (
        <p role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}
