"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Card, Field, inputClass } from "@/components/ui";
import { PASSWORD_RULES } from "@/server/auth/password-rules";

export function SetupForm({ token }: { token: string }) {
  const [form, setForm] = useState({ username: "", password: "", confirm: "" });
  const create = trpc.setup.createFirstAdmin.useMutation({
    onSuccess: async (_data, vars) => {
      await signIn("credentials", { username: vars.username, password: vars.password, redirect: false });
      window.location.assign("/");
    },
  });
  const errs = fieldErrors(create.error);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });
  return (
    <Card className="p-6">
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ ...form, token });
        }}
      >
        {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
        <Field id="username" label="Username" error={errs.username}>
          <input id="username" autoComplete="username" className={inputClass} value={form.username} onChange={set("username")} />
        </Field>
        <Field id="password" label="Password" error={errs.password} hint={PASSWORD_RULES}>
          <input id="password" type="password" autoComplete="new-password" className={inputClass} value={form.password} onChange={set("password")} />
        </Field>
        <Field id="confirm" label="Confirm password" error={errs.confirm}>
          <input id="confirm" type="password" autoComplete="new-password" className={inputClass} value={form.confirm} onChange={set("confirm")} />
        </Field>
        <Button type="submit" disabled={create.isPending} className="w-full justify-center">
          Create administrator
        </Button>
      </form>
    </Card>
  );
}
