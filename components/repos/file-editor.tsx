"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";
import { newMrUrl } from "@/components/code/urls";

type Props = {
  slug: string;
  name: string;
  mode: "edit" | "new";
  branch: string;
  /** edit: the file; new: the directory it goes in ("" for the top) */
  path: string;
  headSha: string;
  content: string;
  canCommitHere: boolean;
  whyNotHere: string | null;
  featureBranches: { name: string; sha: string }[];
  /** some rule of the repository asks for Signed-off-by: the box starts ticked */
  signoffSuggested: boolean;
  /** "Name <email>" of the signed-in user */
  signoffAs: string;
};

const encode = (p: string) => p.split("/").map(encodeURIComponent).join("/");

type TargetKind = "current" | "new-feature" | "existing-feature";

export function FileEditor(props: Props) {
  const { slug, name, mode, branch, headSha, canCommitHere, whyNotHere, featureBranches } = props;
  const router = useRouter();
  const [path, setPath] = useState(mode === "new" && props.path ? `${props.path}/` : props.path);
  const [content, setContent] = useState(props.content);
  const [message, setMessage] = useState(mode === "edit" ? `Update ${props.path}` : "");
  const [target, setTarget] = useState<TargetKind>(canCommitHere ? "current" : "new-feature");
  const [featureName, setFeatureName] = useState("");
  const [existing, setExisting] = useState(featureBranches[0]?.name ?? "");
  const [startMr, setStartMr] = useState(false);
  const [signoff, setSignoff] = useState(props.signoffSuggested);
  const commit = trpc.repoAdmin.commit.useMutation({
    // The file view of the branch the commit went to, or (asked for) a merge request from it into this branch.
    onSuccess: (r) =>
      router.push(
        startMr && r.branch !== branch ?
          newMrUrl(slug, name, r.branch, branch)
        : `/orgs/${slug}/repos/${encodeURIComponent(name)}/blob/${encode(r.branch)}/${encode(r.path)}`,
      ),
  });
  const errs = fieldErrors(commit.error);
  const targetError = errs.target ?? errs.featureName;

  const submit = () => {
    const chosen = featureBranches.find((b) => b.name === existing);
    commit.mutate({
      slug,
      name,
      branch,
      path,
      content,
      message: message || (mode === "new" ? `Add ${path}` : `Update ${path}`),
      expectedSha: headSha,
      isNew: mode === "new",
      signoff,
      target:
        target === "current" ? { kind: "current" }
        : target === "new-feature" ? { kind: "new-feature", name: featureName }
        : { kind: "existing-feature", branch: existing, expectedSha: chosen?.sha ?? "" },
    });
  };

  return (
    <form
      aria-label={mode === "edit" ? "Edit file" : "New file"}
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {formError(commit.error) && <Alert>{formError(commit.error)}</Alert>}
      {mode === "new" ?
        <Field id="file-path" label="File path" error={errs.path} hint={`Relative to the top of the repository, on ${branch}.`}>
          <input id="file-path" className={`${inputClass} font-mono`} value={path} autoFocus onChange={(e) => setPath(e.target.value)} />
        </Field>
      : errs.path && <Alert>{errs.path}</Alert>}
      <Field id="file-content" label="File content" error={undefined}>
        <textarea
          id="file-content"
          spellCheck={false}
          rows={Math.min(40, Math.max(12, content.split("\n").length + 2))}
          aria-invalid={errs.content ? true : undefined}
          aria-describedby={errs.content ? "file-content-problems" : undefined}
          className={`${inputClass} font-mono text-xs leading-5`}
          value={content}
          onChange={(e) => setContent(e.target.value)}
        />
      </Field>
      {errs.content && (
        <div
          id="file-content-problems"
          role="alert"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          <p className="font-medium">This file was not committed:</p>
          <pre className="mt-1 whitespace-pre-wrap font-mono text-xs">{errs.content}</pre>
        </div>
      )}
      <Field id="commit-message" label="Commit message" error={errs.message}>
        <textarea id="commit-message" rows={2} className={inputClass} value={message} onChange={(e) => setMessage(e.target.value)} />
      </Field>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" className="mt-1" checked={signoff} onChange={(e) => setSignoff(e.target.checked)} />
        <span>
          Sign off this commit <span className="text-gray-500">(adds “Signed-off-by: {props.signoffAs}”, which merge rules can require)</span>
        </span>
      </label>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-gray-700 dark:text-gray-200">Target branch</legend>
        {!canCommitHere && whyNotHere && (
          <Alert tone="info">
            {whyNotHere}. Commit to a feature branch, then open a merge request into {branch}.
          </Alert>
        )}
        {canCommitHere && (
          <label className="flex items-center gap-2 text-sm">
            <input type="radio" name="target" checked={target === "current"} onChange={() => setTarget("current")} />
            Commit to <span className="font-mono">{branch}</span>
          </label>
        )}
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <input id="target-new" type="radio" name="target" checked={target === "new-feature"} onChange={() => setTarget("new-feature")} />
          <label htmlFor="target-new">Commit to a new feature branch</label>
          <span className="font-mono text-gray-500">feature/</span>
          <input
            aria-label="New feature branch name"
            className="w-56 rounded-md border border-gray-300 bg-white px-2 py-1 font-mono text-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500 dark:border-gray-600 dark:bg-gray-900 dark:text-gray-100"
            placeholder="name"
            value={featureName}
            onFocus={() => setTarget("new-feature")}
            onChange={(e) => setFeatureName(e.target.value)}
          />
          <span className="text-gray-500">(new, from {branch})</span>
        </div>
        {featureBranches.length > 0 && (
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <input id="target-existing" type="radio" name="target" checked={target === "existing-feature"} onChange={() => setTarget("existing-feature")} />
            <label htmlFor="target-existing">Commit to an existing feature branch</label>
            <select
              aria-label="Existing feature branch"
              className="rounded border border-gray-300 bg-white px-2 py-1 font-mono text-sm dark:border-gray-600 dark:bg-gray-900"
              value={existing}
              onFocus={() => setTarget("existing-feature")}
              onChange={(e) => setExisting(e.target.value)}
            >
              {featureBranches.map((b) => (
                <option key={b.name} value={b.name}>
                  {b.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {targetError && <p className="text-sm text-red-600 dark:text-red-400">{targetError}</p>}
        {target !== "current" && (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={startMr} onChange={(e) => setStartMr(e.target.checked)} />
            Start a merge request into <span className="font-mono">{branch}</span> with these changes
          </label>
        )}
      </fieldset>

      <div className="flex gap-2">
        <Button type="submit" disabled={commit.isPending}>
          {commit.isPending ? "Committing…" : "Commit changes"}
        </Button>
        <Button type="button" variant="secondary" onClick={() => router.back()}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
