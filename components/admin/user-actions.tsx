"use client";

import { useRouter } from "next/navigation";
import { formError, trpc } from "@/components/trpc";
import { Button } from "@/components/ui";

/** Make/revoke admin and disable/enable for one row of the user list. */
export function UserActions({ user }: { user: { id: string; username: string; isAdmin: boolean; disabled: boolean } }) {
  const router = useRouter();
  const setAdmin = trpc.admin.setAdmin.useMutation({ onSuccess: () => router.refresh() });
  const setDisabled = trpc.admin.setDisabled.useMutation({ onSuccess: () => router.refresh() });
  const error = formError(setAdmin.error) ?? formError(setDisabled.error) ?? setAdmin.error?.message ?? setDisabled.error?.message;
  const busy = setAdmin.isPending || setDisabled.isPending;
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex gap-2">
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
