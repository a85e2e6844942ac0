"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";

export function ProfileForm({ displayName, email }: { displayName: string; email: string | null }) {
  const router = useRouter();
  const [form, setForm] = useState({ displayName, email: email ?? "" });
  const [saved, setSaved] = useState(false);
  const update = trpc.me.updateProfile.useMutation({
    onSuccess: () => {
      setSaved(true);
      router.refresh();
    },
  });
  const errs = fieldErrors(update.error);
  return (
    <form
      aria-label="Profile"
      className="max-w-md space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        update.mutate(form);
      }}
    >
      {formError(update.error) && <Alert>{formError(update.error)}</Alert>}
      {saved && <Alert tone="success">Profile saved.</Alert>}
      <Field id="displayName" label="Name" error={errs.displayName}>
        <input
          id="displayName"
          autoComplete="name"
          className={inputClass}
          value={form.displayName}
          onChange={(e) => setForm({ ...form, displayName: e.target.value })}
        />
      </Field>
      <Field id="email" label="Email" error={errs.email} hint="Notification emails go to this address.">
        <input
          id="email"
          type="email"
          autoComplete="email"
          className={inputClass}
          value={form.email}
          onChange={(e) => setForm({ ...form, email: e.target.value })}
        />
      </Field>
      <Button type="submit" disabled={update.isPending}>
        Save profile
      </Button>
    </form>
  );
}
