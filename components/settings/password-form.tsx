"use client";

import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";
import { PASSWORD_RULES } from "@/server/auth/password-rules";

const empty = { current: "", password: "", confirm: "" };

export function PasswordForm() {
  const [form, setForm] = useState(empty);
  const [done, setDone] = useState(false);
  const change = trpc.me.changePassword.useMutation({
    onSuccess: () => {
      setForm(empty);
      setDone(true);
    },
  });
  const errs = fieldErrors(change.error);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });
  return (
    <form
      aria-label="Change password"
      className="max-w-md space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        setDone(false);
        change.mutate(form);
      }}
    >
      {formError(change.error) && <Alert>{formError(change.error)}</Alert>}
      {done && <Alert tone="success">Your password was changed. Use the new one the next time you sign in.</Alert>}
      <Field id="current" label="Current password" error={errs.current}>
        <input id="current" type="password" autoComplete="current-password" className={inputClass} value={form.current} onChange={set("current")} />
      </Field>
      <Field id="new-password" label="New password" error={errs.password} hint={PASSWORD_RULES}>
        <input id="new-password" type="password" autoComplete="new-password" className={inputClass} value={form.password} onChange={set("password")} />
      </Field>
      <Field id="confirm" label="Confirm new password" error={errs.confirm}>
        <input id="confirm" type="password" autoComplete="new-password" className={inputClass} value={form.confirm} onChange={set("confirm")} />
      </Field>
      <Button type="submit" disabled={change.isPending}>
        Change password
      </Button>
    </form>
  );
}
