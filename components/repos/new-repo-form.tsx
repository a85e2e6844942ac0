"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";

export function NewRepoForm({ slug }: { slug: string }) {
  const router = useRouter();
  const [form, setForm] = useState({ name: "", description: "", defaultBranch: "develop", withReadme: true });
  const create = trpc.repoAdmin.create.useMutation({
    onSuccess: ({ name }) => router.push(`/orgs/${slug}/repos/${encodeURIComponent(name)}`),
  });
  const errs = fieldErrors(create.error);
  return (
    <form
      aria-label="New repository"
      className="max-w-lg space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ slug, ...form });
      }}
    >
      {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
      <Field id="repo-name" label="Repository name" error={errs.name} hint="Letters, digits, dots, dashes and underscores; it becomes part of the clone URL.">
        <input id="repo-name" className={inputClass} value={form.name} autoFocus onChange={(e) => setForm({ ...form, name: e.target.value })} />
      </Field>
      <Field id="repo-description" label="Description" error={errs.description}>
        <input id="repo-description" className={inputClass} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
      </Field>
      <Field id="repo-default-branch" label="Default branch" error={errs.defaultBranch} hint="git-flow: develop, with master for releases.">
        <input
          id="repo-default-branch"
          className={inputClass}
          value={form.defaultBranch}
          onChange={(e) => setForm({ ...form, defaultBranch: e.target.value })}
        />
      </Field>
      <div className="flex items-start gap-2">
        <input
          id="repo-readme"
          type="checkbox"
          className="mt-1"
          checked={form.withReadme}
          onChange={(e) => setForm({ ...form, withReadme: e.target.checked })}
        />
        <label htmlFor="repo-readme" className="text-sm">
          Initialize with a README
          <span className="block text-xs text-gray-500 dark:text-gray-400">
            Creates the first commit on develop and master, so you can clone and branch right away.
          </span>
        </label>
      </div>
      <Button type="submit" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create repository"}
      </Button>
    </form>
  );
}
