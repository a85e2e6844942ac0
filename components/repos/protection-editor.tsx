"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass, Table, td, th } from "@/components/ui";

type Access = "nobody" | "leaders" | "developers";
type Rule = { id: string; pattern: string; pushAccess: Access; allowForcePush: boolean; allowDeletion: boolean };

const accessLabel: Record<Access, string> = {
  nobody: "Nobody (merge requests only)",
  leaders: "Leaders",
  developers: "Developers and leaders",
};

const selectClass = "rounded border border-gray-300 bg-white px-1 py-0.5 text-sm dark:border-gray-600 dark:bg-gray-900";

function RuleRow({ slug, name, rule }: { slug: string; name: string; rule: Rule }) {
  const router = useRouter();
  const [draft, setDraft] = useState(rule);
  const dirty = JSON.stringify(draft) !== JSON.stringify(rule);
  const save = trpc.repoAdmin.updateProtection.useMutation({ onSuccess: () => router.refresh() });
  const remove = trpc.repoAdmin.removeProtection.useMutation({ onSuccess: () => router.refresh() });
  const error = fieldErrors(save.error).pattern ?? formError(save.error) ?? fieldErrors(remove.error).pattern ?? formError(remove.error);
  const { id, ...ruleFields } = draft;
  return (
    <tr>
      <td className={td}>
        <input
          aria-label={`Pattern of rule ${rule.pattern}`}
          className={`${inputClass} font-mono`}
          value={draft.pattern}
          onChange={(e) => setDraft({ ...draft, pattern: e.target.value })}
        />
        {error && <p className="mt-1 text-sm text-red-600 dark:text-red-400">{error}</p>}
      </td>
      <td className={td}>
        <select
          aria-label={`Who may push to ${rule.pattern}`}
          className={selectClass}
          value={draft.pushAccess}
          onChange={(e) => setDraft({ ...draft, pushAccess: e.target.value as Access })}
        >
          {(Object.keys(accessLabel) as Access[]).map((a) => (
            <option key={a} value={a}>
              {accessLabel[a]}
            </option>
          ))}
        </select>
      </td>
      <td className={td}>
        <input
          type="checkbox"
          aria-label={`Allow force-push to ${rule.pattern}`}
          checked={draft.allowForcePush}
          onChange={(e) => setDraft({ ...draft, allowForcePush: e.target.checked })}
        />
      </td>
      <td className={td}>
        <input
          type="checkbox"
          aria-label={`Allow deleting ${rule.pattern}`}
          checked={draft.allowDeletion}
          onChange={(e) => setDraft({ ...draft, allowDeletion: e.target.checked })}
        />
      </td>
      <td className={`${td} whitespace-nowrap text-right`}>
        <Button variant="secondary" disabled={!dirty || save.isPending} onClick={() => save.mutate({ slug, name, id, rule: ruleFields })}>
          Save
        </Button>{" "}
        <Button variant="secondary" aria-label={`Remove rule ${rule.pattern}`} disabled={remove.isPending} onClick={() => remove.mutate({ slug, name, id })}>
          Remove
        </Button>
      </td>
    </tr>
  );
}

export function ProtectionEditor({ slug, name, rules }: { slug: string; name: string; rules: Rule[] }) {
  const router = useRouter();
  const empty = { pattern: "", pushAccess: "nobody" as Access, allowForcePush: false, allowDeletion: false };
  const [rule, setRule] = useState(empty);
  const add = trpc.repoAdmin.addProtection.useMutation({
    onSuccess: () => {
      setRule(empty);
      router.refresh();
    },
  });
  const errs = fieldErrors(add.error);
  return (
    <div className="space-y-4">
      {rules.length === 0 ?
        <Alert tone="warning">No branch is protected: every developer can push, force-push and delete any branch. Add rules below.</Alert>
      : <Table label="Protected branches">
          <thead>
            <tr>
              <th className={th}>Branch or pattern</th>
              <th className={th}>Allowed to push</th>
              <th className={th}>Force-push</th>
              <th className={th}>Deletion</th>
              <th className={th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
            {rules.map((r) => (
              <RuleRow key={`${r.id}:${r.pattern}:${r.pushAccess}:${r.allowForcePush}:${r.allowDeletion}`} slug={slug} name={name} rule={r} />
            ))}
          </tbody>
        </Table>
      }
      <form
        aria-label="Add protection rule"
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate({ slug, name, rule });
        }}
      >
        <div className="w-64">
          <Field id="rule-pattern" label="Branch or pattern" error={errs.pattern}>
            <input
              id="rule-pattern"
              className={`${inputClass} font-mono`}
              value={rule.pattern}
              onChange={(e) => setRule({ ...rule, pattern: e.target.value })}
            />
          </Field>
        </div>
        <Field id="rule-access" label="Allowed to push">
          <select id="rule-access" className={inputClass} value={rule.pushAccess} onChange={(e) => setRule({ ...rule, pushAccess: e.target.value as Access })}>
            {(Object.keys(accessLabel) as Access[]).map((a) => (
              <option key={a} value={a}>
                {accessLabel[a]}
              </option>
            ))}
          </select>
        </Field>
        <label className="flex items-center gap-1 pb-2 text-sm">
          <input type="checkbox" checked={rule.allowForcePush} onChange={(e) => setRule({ ...rule, allowForcePush: e.target.checked })} /> Allow force-push
        </label>
        <label className="flex items-center gap-1 pb-2 text-sm">
          <input type="checkbox" checked={rule.allowDeletion} onChange={(e) => setRule({ ...rule, allowDeletion: e.target.checked })} /> Allow deletion
        </label>
        <Button type="submit" disabled={add.isPending}>
          Add rule
        </Button>
      </form>
      <p className="text-xs text-gray-500 dark:text-gray-400">
        A pattern is an exact branch name (develop) or a prefix ending in /* (support/*). The exact rule wins over a prefix.
      </p>
      {formError(add.error) && <Alert>{formError(add.error)}</Alert>}
    </div>
  );
}
