"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";
import { mrUrl } from "@/components/code/urls";

type Props = {
  slug: string;
  name: string;
  branches: string[];
  reviewers: { username: string; displayName: string }[];
  source: string;
  target: string;
};

/** Source → target, title, markdown description and reviewers; the server checks the branches. */
export function NewMergeRequestForm({ slug, name, branches, reviewers, source: s0, target: t0 }: Props) {
  const router = useRouter();
  const [source, setSource] = useState(s0);
  const [target, setTarget] = useState(t0);
  const [title, setTitle] = useState(s0 ? titleOf(s0) : "");
  const [description, setDescription] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [assignee, setAssignee] = useState("");
  const create = trpc.mergeRequests.create.useMutation({ onSuccess: (r) => router.push(mrUrl(slug, name, r.number)) });
  const errors = fieldErrors(create.error);
  return (
    <form
      aria-label="New merge request"
      className="max-w-3xl space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ slug, name, title, description, sourceBranch: source, targetBranch: target, reviewers: chosen, assignee: assignee || null });
      }}
    >
      <div className="flex flex-wrap gap-4">
        <div className="w-64">
          <Field id="mr-source" label="Source branch" error={errors.sourceBranch}>
            <select
              id="mr-source"
              className={inputClass}
              value={source}
              onChange={(e) => {
                if (!title || title === titleOf(source)) setTitle(titleOf(e.target.value));
                setSource(e.target.value);
              }}
            >
              <option value="">Choose…</option>
              {branches.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          </Field>
        </div>
        <div className="w-64">
          <Field id="mr-target" label="Target branch" error={errors.targetBranch}>
            <select id="mr-target" className={inputClass} value={target} onChange={(e) => setTarget(e.target.value)}>
              {branches.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          </Field>
        </div>
      </div>
      <Field id="mr-title" label="Title" error={errors.title}>
        <input id="mr-title" className={inputClass} value={title} onChange={(e) => setTitle(e.target.value)} maxLength={255} />
      </Field>
      <Field id="mr-description" label="Description" hint="Markdown; HTML is not rendered." error={errors.description}>
        <textarea id="mr-description" className={`${inputClass} min-h-32 font-mono`} value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <fieldset>
        <legend className="mb-1 text-sm font-medium">Reviewers</legend>
        {errors.reviewers && <p className="mb-1 text-sm text-red-600">{errors.reviewers}</p>}
        <div className="flex flex-wrap gap-3">
          {reviewers.map((r) => (
            <label key={r.username} className="flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                checked={chosen.includes(r.username)}
                onChange={(e) => setChosen(e.target.checked ? [...chosen, r.username] : chosen.filter((x) => x !== r.username))}
              />
              {r.displayName} <span className="text-gray-500">@{r.username}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="w-64">
        <Field id="mr-assignee" label="Assignee" error={errors.assignee}>
          <select id="mr-assignee" className={inputClass} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="">Nobody</option>
            {reviewers.map((r) => (
              <option key={r.username} value={r.username}>
                {r.displayName}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
      <Button type="submit" disabled={create.isPending}>
        Create merge request
      </Button>
    </form>
  );
}

/** feature/ntp-servers → "Ntp servers" */
function titleOf(branch: string) {
  const last = branch.split("/").at(-1) ?? branch;
  const words = last.replace(/[-_]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : "";
}
