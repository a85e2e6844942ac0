"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";

const intervals = [
  { minutes: 15, label: "Every 15 minutes" },
  { minutes: 60, label: "Every hour" },
  { minutes: 360, label: "Every 6 hours" },
  { minutes: 1440, label: "Every day" },
];

export function NewMirrorForm({ slug }: { slug: string }) {
  const router = useRouter();
  const [form, setForm] = useState({ url: "", name: "", description: "", interval: 60 });
  const [nameTouched, setNameTouched] = useState(false);
  const create = trpc.mirrors.create.useMutation({
    onSuccess: ({ name }) => router.push(`/orgs/${slug}/repos/${encodeURIComponent(name)}`),
  });
  const errs = fieldErrors(create.error);

  /** The repository name follows the URL's last segment until it is typed in. */
  function guessName(url: string) {
    const last =
      url
        .replace(/[?#].*$/, "")
        .replace(/\/+$/, "")
        .split("/")
        .pop() ?? "";
    return last.replace(/\.git$/, "").replace(/[^A-Za-z0-9._-]/g, "-");
  }

  return (
    <form
      aria-label="New pull mirror"
      className="max-w-lg space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ slug, ...form });
      }}
    >
      {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
      <Field
        id="mirror-url"
        label="Upstream URL"
        error={errs.url}
        hint="http(s):// or git://. For a private upstream put a read-only token in the URL (https://user:token@host/…): it is stored encrypted and never shown again."
      >
        <input
          id="mirror-url"
          className={inputClass}
          placeholder="https://github.com/owner/project.git"
          autoComplete="off"
          value={form.url}
          autoFocus
          onChange={(e) => setForm({ ...form, url: e.target.value, name: nameTouched ? form.name : guessName(e.target.value) })}
        />
      </Field>
      <Field id="mirror-name" label="Repository name" error={errs.name}>
        <input
          id="mirror-name"
          className={inputClass}
          value={form.name}
          onChange={(e) => {
            setNameTouched(true);
            setForm({ ...form, name: e.target.value });
          }}
        />
      </Field>
      <Field id="mirror-description" label="Description" error={errs.description}>
        <input id="mirror-description" className={inputClass} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
      </Field>
      <Field id="mirror-interval" label="Fetch" error={errs.interval}>
        <select id="mirror-interval" className={inputClass} value={form.interval} onChange={(e) => setForm({ ...form, interval: Number(e.target.value) })}>
          {intervals.map((i) => (
            <option key={i.minutes} value={i.minutes}>
              {i.label}
            </option>
          ))}
        </select>
      </Field>
      <Button type="submit" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create mirror"}
      </Button>
    </form>
  );
}
