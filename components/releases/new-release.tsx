"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { mrUrl } from "@/components/code/urls";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";

type Plan = {
  kind: "release" | "hotfix";
  base: string;
  baseExists: boolean;
  masterExists: boolean;
  latest: string | null;
  versions: { major: string; minor: string; patch: string };
  suggested: string;
  merged: { number: number; title: string; author: string | null; username: string | null }[];
};

/**
 * "New release" / "New hotfix" in three clicks: pick the version (suggested from the last
 * tag), see what goes in, start. The server creates the branch, the CHANGELOG commit and
 * the merge request into master; this opens that MR.
 */
export function NewRelease({ slug, name, plan, preselect }: { slug: string; name: string; plan: Plan; preselect?: "minor" | "patch" }) {
  const router = useRouter();
  // "Bake release" of the Updates card opens the wizard with the bump its changes call for
  const [open, setOpen] = useState(!!preselect && plan.baseExists && plan.masterExists);
  const bumps = plan.kind === "hotfix" ? (["patch"] as const) : (["minor", "patch", "major"] as const);
  const [bump, setBump] = useState<"major" | "minor" | "patch" | "custom">(preselect ?? (plan.kind === "hotfix" ? "patch" : "minor"));
  const [custom, setCustom] = useState("");
  const start = trpc.releases.start.useMutation({ onSuccess: (r) => router.push(mrUrl(slug, name, r.mergeRequestNumber)) });
  const errors = fieldErrors(start.error);
  const label = plan.kind === "hotfix" ? "New hotfix" : "New release";
  const version = bump === "custom" ? custom : plan.versions[bump];
  const ready = plan.baseExists && plan.masterExists;

  if (!open)
    return (
      <Button
        variant={plan.kind === "hotfix" ? "secondary" : "primary"}
        onClick={() => setOpen(true)}
        disabled={!ready}
        title={ready ? undefined : `Needs ${plan.base} and master branches`}
      >
        {label}
      </Button>
    );
  return (
    <form
      aria-label={label}
      className="mt-3 w-full space-y-3 rounded-lg border border-gray-200 bg-white p-4 dark:border-gray-700 dark:bg-gray-800"
      onSubmit={(e) => {
        e.preventDefault();
        start.mutate({ slug, name, kind: plan.kind, version });
      }}
    >
      <h3 className="font-semibold">{label}</h3>
      <p className="text-sm text-gray-600 dark:text-gray-400">
        Last release: <strong>{plan.latest ?? "none yet"}</strong>. Rookery creates{" "}
        <code>
          {plan.kind}/{version || "vX.Y.Z"}
        </code>{" "}
        from <code>{plan.base}</code>, adds the CHANGELOG entry and opens the merge request into <code>master</code>. Merging it tags the version and brings it
        back into <code>develop</code>.
      </p>
      <fieldset>
        <legend className="mb-1 text-sm font-medium">Version</legend>
        <div className="flex flex-wrap gap-4 text-sm">
          {bumps.map((b) => (
            <label key={b} className="flex items-center gap-1.5">
              <input type="radio" name="bump" checked={bump === b} onChange={() => setBump(b)} />
              {plan.versions[b]} <span className="text-gray-500">({b})</span>
            </label>
          ))}
          <label className="flex items-center gap-1.5">
            <input type="radio" name="bump" checked={bump === "custom"} onChange={() => setBump("custom")} />
            other
          </label>
        </div>
      </fieldset>
      {bump === "custom" && (
        <Field id="release-version" label="Version" hint="vX.Y.Z, higher than the last release" error={errors.version}>
          <input
            id="release-version"
            className={`${inputClass} w-40 font-mono`}
            value={custom}
            onChange={(e) => setCustom(e.target.value)}
            placeholder="v2.0.0"
          />
        </Field>
      )}
      {bump !== "custom" && errors.version && <Alert>{errors.version}</Alert>}
      {plan.kind === "release" && (
        <div>
          <p className="mb-1 text-sm font-medium">
            Merged since {plan.latest ?? "the beginning"} ({plan.merged.length})
          </p>
          {plan.merged.length === 0 ?
            <p className="text-sm text-gray-500">No merge requests were merged into develop since the last release.</p>
          : <ul aria-label="Merged merge requests" className="list-disc pl-5 text-sm">
              {plan.merged.map((m) => (
                <li key={m.number}>
                  {m.title}{" "}
                  <span className="text-gray-500">
                    !{m.number}
                    {m.author || m.username ? `, ${m.author || m.username}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          }
        </div>
      )}
      {formError(start.error) && !errors.version && <Alert>{formError(start.error)}</Alert>}
      <div className="flex gap-2">
        <Button type="submit" disabled={start.isPending || !version}>
          {start.isPending ? "Starting…" : `Start ${plan.kind} ${version}`}
        </Button>
        <Button type="button" variant="secondary" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
