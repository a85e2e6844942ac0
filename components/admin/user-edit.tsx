"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";
import { PASSWORD_RULES } from "@/server/auth/password-rules";

type Editable = { id: string; username: string; displayName: string; email: string | null };

/** Edit name and e-mail, and set a new password, of one local account (Admin → Users). */
export function UserEdit({ user }: { user: Editable }) {
  const router = useRouter();
  const [profile, setProfile] = useState({ displayName: user.displayName, email: user.email ?? "" });
  const [password, setPassword] = useState("");
  const edit = trpc.admin.editUser.useMutation({ onSuccess: () => router.refresh() });
  const reset = trpc.admin.resetPassword.useMutation({ onSuccess: () => setPassword("") });
  const editErrs = fieldErrors(edit.error);
  const resetErrs = fieldErrors(reset.error);
  const id = (k: string) => `user-${user.id}-${k}`;
  return (
    <details className="text-left">
      <summary className="cursor-pointer text-sm text-brand-600" aria-label={`Edit ${user.username}`}>
        Edit
      </summary>
      <div className="mt-2 w-72 space-y-4">
        <form
          aria-label={`Profile of ${user.username}`}
          className="space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            edit.mutate({ userId: user.id, ...profile });
          }}
        >
          {formError(edit.error) && <Alert>{formError(edit.error)}</Alert>}
          {edit.isSuccess && <Alert tone="success">Saved.</Alert>}
          <Field id={id("name")} label="Display name" error={editErrs.displayName}>
            <input
              id={id("name")}
              className={inputClass}
              value={profile.displayName}
              onChange={(e) => setProfile({ ...profile, displayName: e.target.value })}
            />
          </Field>
          <Field id={id("email")} label="E-mail" error={editErrs.email}>
            <input
              id={id("email")}
              type="email"
              className={inputClass}
              value={profile.email}
              onChange={(e) => setProfile({ ...profile, email: e.target.value })}
            />
          </Field>
          <Button type="submit" variant="secondary" disabled={edit.isPending}>
            Save profile
          </Button>
        </form>
        <form
          aria-label={`New password for ${user.username}`}
          className="space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            reset.mutate({ userId: user.id, password });
          }}
        >
          {formError(reset.error) && <Alert>{formError(reset.error)}</Alert>}
          {reset.isSuccess && <Alert tone="success">Password set; sign-in locks lifted. Tell {user.username} the new password.</Alert>}
          <Field id={id("password")} label="New password" error={resetErrs.password} hint={PASSWORD_RULES}>
            <input
              id={id("password")}
              type="password"
              autoComplete="new-password"
              className={inputClass}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
          <Button type="submit" variant="secondary" disabled={reset.isPending}>
            Set password
          </Button>
        </form>
      </div>
    </details>
  );
}
