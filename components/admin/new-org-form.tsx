"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";

/** Creates a local organization and opens it, where members are added. */
export function NewOrgForm() {
  const router = useRouter();
  const [form, setForm] = useState({ name: "", slug: "", description: "", leader: "" });
  const create = trpc.orgs.create.useMutation({ onSuccess: ({ slug }) => router.push(`/orgs/${slug}`) });
  const errs = fieldErrors(create.error);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setForm({ ...form, [k]: e.target.value });
  return (
    <form
      aria-label="New organization"
      className="max-w-xl space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name: form.name, slug: form.slug || undefined, description: form.description || undefined, leader: form.leader || undefined });
      }}
    >
      {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
      <Field id="org-name" label="Name" error={errs.name}>
        <input
          id="org-name"
          className={inputClass}
          value={form.name}
          onChange={set("name")}
          aria-invalid={!!errs.name}
          aria-describedby={errs.name ? "org-name-error" : undefined}
        />
      </Field>
      <Field id="org-slug" label="URL slug" error={errs.slug} hint="Optional; derived from the name. Lowercase letters, digits and dashes.">
        <input id="org-slug" className={inputClass} value={form.slug} onChange={set("slug")} placeholder="acme-corp" />
      </Field>
      <Field id="org-description" label="Description" error={errs.description}>
        <textarea id="org-description" rows={3} className={inputClass} value={form.description} onChange={set("description")} />
      </Field>
      <Field
        id="org-leader"
        label="First leader"
        error={errs.leader}
        hint="Optional: the username of who will lead it. You are not added yourself; administrators manage every organization without being members."
      >
        <input id="org-leader" className={inputClass} value={form.leader} onChange={set("leader")} placeholder="alice" />
      </Field>
      <Button type="submit" disabled={create.isPending || create.isSuccess}>
        Create organization
      </Button>
    </form>
  );
}
