"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";

type Kind = "feature" | "release" | "hotfix";
type Suggestions = { latestTag: string | null; release: string; hotfix: string; bases: { develop: boolean; master: boolean } };

const meta: Record<Kind, { button: string; label: string; base: "develop" | "master"; hint: (s: Suggestions) => string }> = {
  feature: { button: "Start feature", label: "Feature name", base: "develop", hint: () => "Creates feature/<name> from develop, for your changes." },
  release: {
    button: "Start release",
    label: "Release version",
    base: "develop",
    hint: (s) => `Creates release/<version> from develop (staging). ${s.latestTag ? `Latest release: ${s.latestTag}.` : "No release tagged yet."}`,
  },
  hotfix: {
    button: "Start hotfix",
    label: "Hotfix version",
    base: "master",
    hint: (s) => `Creates hotfix/<version> from master (staging). ${s.latestTag ? `Latest release: ${s.latestTag}.` : "No release tagged yet."}`,
  },
};

/** git-flow's start commands on the repository page; the server names and creates the branch. */
export function FlowButtons({ slug, name, suggestions }: { slug: string; name: string; suggestions: Suggestions }) {
  const router = useRouter();
  const [kind, setKind] = useState<Kind | null>(null);
  const [value, setValue] = useState("");
  const start = trpc.repoAdmin.startBranch.useMutation({
    onSuccess: () => {
      setKind(null);
      router.refresh();
    },
  });
  const open = (k: Kind) => {
    start.reset();
    setKind(k);
    setValue(k === "feature" ? "" : suggestions[k]);
  };
  const repoBase = `/orgs/${slug}/repos/${encodeURIComponent(name)}`;
  const created = start.data;
  return (
    <div className="space-y-3">
      <div role="group" aria-label="git-flow" className="flex flex-wrap gap-2">
        {(Object.keys(meta) as Kind[]).map((k) => (
          <Button
            key={k}
            variant="secondary"
            disabled={!suggestions.bases[meta[k].base]}
            title={suggestions.bases[meta[k].base] ? undefined : `Needs a ${meta[k].base} branch`}
            onClick={() => open(k)}
          >
            {meta[k].button}
          </Button>
        ))}
      </div>
      {kind && (
        <form
          aria-label={meta[kind].button}
          className="flex flex-wrap items-end gap-3 rounded-lg border border-gray-200 p-3 dark:border-gray-700"
          onSubmit={(e) => {
            e.preventDefault();
            start.mutate({ slug, name, kind, branch: value });
          }}
        >
          <div className="w-72">
            <Field id="flow-name" label={meta[kind].label} error={fieldErrors(start.error).name} hint={meta[kind].hint(suggestions)}>
              <div className="flex items-center gap-1">
                <span className="font-mono text-sm text-gray-500">{kind}/</span>
                <input
                  id="flow-name"
                  autoFocus
                  className={`${inputClass} font-mono`}
                  placeholder={kind === "feature" ? "ntp-servers" : "vX.Y.Z"}
                  value={value}
                  onChange={(e) => setValue(e.target.value)}
                />
              </div>
            </Field>
          </div>
          <Button type="submit" disabled={start.isPending}>
            Create branch
          </Button>
          <Button type="button" variant="secondary" onClick={() => setKind(null)}>
            Cancel
          </Button>
          {formError(start.error) && <Alert>{formError(start.error)}</Alert>}
        </form>
      )}
      {created && !kind && (
        <Alert tone="success">
          Created <span className="font-mono">{created.branch}</span> from {created.base}.{" "}
          <Link className="underline" href={`${repoBase}/tree/${created.branch.split("/").map(encodeURIComponent).join("/")}`}>
            Browse files
          </Link>{" "}
          ·{" "}
          <Link className="underline" href={`${repoBase}/new/${created.branch.split("/").map(encodeURIComponent).join("/")}`}>
            Add a file
          </Link>
        </Alert>
      )}
    </div>
  );
}
