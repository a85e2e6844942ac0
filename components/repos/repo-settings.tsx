"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";

type Props = { slug: string; name: string };

export function GeneralSettings({
  slug,
  name,
  description,
  defaultBranch,
  branches,
}: Props & { description: string; defaultBranch: string; branches: string[] }) {
  const router = useRouter();
  const [form, setForm] = useState({ description, defaultBranch });
  const [saved, setSaved] = useState(false);
  const update = trpc.repoAdmin.update.useMutation({
    onSuccess: () => {
      setSaved(true);
      router.refresh();
    },
  });
  const errs = fieldErrors(update.error);
  const choices = branches.includes(defaultBranch) ? branches : [defaultBranch, ...branches];
  return (
    <form
      aria-label="General settings"
      className="max-w-lg space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        update.mutate({ slug, name, ...form });
      }}
    >
      {formError(update.error) && <Alert>{formError(update.error)}</Alert>}
      {saved && <Alert tone="success">Settings saved.</Alert>}
      <Field id="settings-description" label="Description" error={errs.description}>
        <input id="settings-description" className={inputClass} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
      </Field>
      <Field id="settings-default-branch" label="Default branch" error={errs.defaultBranch} hint="What the repository page shows and clones check out.">
        {branches.length ?
          <select
            id="settings-default-branch"
            className={inputClass}
            value={form.defaultBranch}
            onChange={(e) => setForm({ ...form, defaultBranch: e.target.value })}
          >
            {choices.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        : <input
            id="settings-default-branch"
            className={inputClass}
            value={form.defaultBranch}
            onChange={(e) => setForm({ ...form, defaultBranch: e.target.value })}
          />
        }
      </Field>
      <Button type="submit" disabled={update.isPending}>
        Save changes
      </Button>
    </form>
  );
}

export function RenameRepo({ slug, name }: Props) {
  const router = useRouter();
  const [newName, setNewName] = useState(name);
  const rename = trpc.repoAdmin.rename.useMutation({
    onSuccess: (r) => {
      router.replace(`/orgs/${slug}/repos/${encodeURIComponent(r.name)}/settings`);
      router.refresh();
    },
  });
  const errs = fieldErrors(rename.error);
  return (
    <form
      aria-label="Rename repository"
      className="max-w-lg space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        rename.mutate({ slug, name, newName });
      }}
    >
      {formError(rename.error) && <Alert>{formError(rename.error)}</Alert>}
      <Field
        id="rename-name"
        label="New name"
        error={errs.newName}
        hint="The clone URL changes: existing clones must update their remote (git remote set-url)."
      >
        <input id="rename-name" className={inputClass} value={newName} onChange={(e) => setNewName(e.target.value)} />
      </Field>
      <Button type="submit" variant="secondary" disabled={rename.isPending || newName.trim() === name}>
        Rename
      </Button>
    </form>
  );
}

export function ArchiveRepo({ slug, name, archived }: Props & { archived: boolean }) {
  const router = useRouter();
  const set = trpc.repoAdmin.setArchived.useMutation({ onSuccess: () => router.refresh() });
  const error = fieldErrors(set.error).archived ?? formError(set.error);
  return (
    <div className="space-y-2">
      <p className="text-sm text-gray-600 dark:text-gray-400">
        {archived ?
          "This repository is archived: it can be cloned, but pushes and edits are refused."
        : "Archiving makes the repository read-only: it can still be cloned and browsed, but pushes and edits are refused."}
      </p>
      {error && <Alert>{error}</Alert>}
      <Button variant="secondary" disabled={set.isPending} onClick={() => set.mutate({ slug, name, archived: !archived })}>
        {archived ? "Unarchive repository" : "Archive repository"}
      </Button>
    </div>
  );
}

export function DeleteRepo({ slug, name }: Props) {
  const router = useRouter();
  const [confirm, setConfirm] = useState("");
  const remove = trpc.repoAdmin.delete.useMutation({
    onSuccess: () => {
      router.push(`/orgs/${slug}/repositories`);
      router.refresh();
    },
  });
  const errs = fieldErrors(remove.error);
  return (
    <form
      aria-label="Delete repository"
      className="max-w-lg space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        remove.mutate({ slug, name, confirm });
      }}
    >
      <p className="text-sm text-gray-700 dark:text-gray-300">
        Deleting removes the repository, all its branches, tags and history, for everyone. This cannot be undone.
      </p>
      {formError(remove.error) && <Alert>{formError(remove.error)}</Alert>}
      <Field id="delete-confirm" label={`Type ${name} to confirm`} error={errs.confirm}>
        <input id="delete-confirm" className={inputClass} autoComplete="off" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
      </Field>
      <Button type="submit" variant="danger" disabled={remove.isPending || confirm.trim() !== name}>
        Delete this repository
      </Button>
    </form>
  );
}
