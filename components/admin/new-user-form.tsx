"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Card, Field, inputClass } from "@/components/ui";
import { PASSWORD_RULES } from "@/server/auth/password-rules";

const empty = { username: "", displayName: "", email: "", password: "", isAdmin: false };

/** "New user" button that opens a form creating a local account. */
export function NewUserForm() {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState(empty);
  const [created, setCreated] = useState<string | null>(null);
  const create = trpc.admin.createUser.useMutation({
    onSuccess: (u) => {
      setCreated(u.username);
      setForm(empty);
      setOpen(false);
      router.refresh();
    },
  });
  const errs = fieldErrors(create.error);
  const set = (k: "username" | "displayName" | "email" | "password") => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });

  if (!open)
    return (
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <Button
          onClick={() => {
            setOpen(true);
            setCreated(null);
            create.reset();
          }}
        >
          New user
        </Button>
        {created && <Alert tone="success">Created local user {created}.</Alert>}
      </div>
    );
  return (
    <Card className="mb-6 max-w-xl p-4">
      <form
        aria-label="New user"
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(form);
        }}
      >
        <h2 className="text-lg font-semibold">New local user</h2>
        {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
        <Field id="new-username" label="Username" error={errs.username} hint="2-63 lowercase letters, digits, dots, dashes or underscores.">
          <input id="new-username" autoComplete="off" className={inputClass} value={form.username} onChange={set("username")} />
        </Field>
        <Field id="new-display-name" label="Name" error={errs.displayName} hint="Optional; defaults to the username.">
          <input id="new-display-name" className={inputClass} value={form.displayName} onChange={set("displayName")} />
        </Field>
        <Field id="new-email" label="Email" error={errs.email} hint="Optional; used for notifications.">
          <input id="new-email" type="email" className={inputClass} value={form.email} onChange={set("email")} />
        </Field>
        <Field id="new-password" label="Password" error={errs.password} hint={PASSWORD_RULES}>
          <input id="new-password" type="password" autoComplete="new-password" className={inputClass} value={form.password} onChange={set("password")} />
        </Field>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" className="h-4 w-4" checked={form.isAdmin} onChange={(e) => setForm({ ...form, isAdmin: e.target.checked })} />
          Administrator
        </label>
        <div className="flex gap-2">
          <Button type="submit" disabled={create.isPending}>
            Create user
          </Button>
          <Button type="button" variant="secondary" onClick={() => setOpen(false)}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
