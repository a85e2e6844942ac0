"use client";

import { useRouter } from "next/navigation";
import { formError, trpc } from "@/components/trpc";
import { Badge, Button } from "@/components/ui";

/** Make/revoke admin, disable/enable and unlock sign-in for one row of the user list. */
export function UserActions({ user }: { user: { id: string; username: string; isAdmin: boolean; disabled: boolean; lockedOut: boolean } }) {
  const router = useRouter();
  const setAdmin = trpc.admin.setAdmin.useMutation({ onSuccess: () => router.refresh() });
  const setDisabled = trpc.admin.setDisabled.useMutation({ onSuccess: () => router.refresh() });
  // The lock is shown and lifted here, so the row changes the moment the unlock succeeds.
  const unlock = trpc.admin.unlockUser.useMutation();
  const locked = user.lockedOut && !unlock.isSuccess;
  const failed = setAdmin.error ?? setDisabled.error ?? unlock.error;
  const error = formError(failed) ?? failed?.message;
  const busy = setAdmin.isPending || setDisabled.isPending || unlock.isPending;
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
      </div>
      {error && (
        <p role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}
