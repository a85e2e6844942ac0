"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass, Table, td, th } from "@/components/ui";

type Column = { key: string; label: string; hint?: string; mono?: boolean };
type Row = { id: string } & Record<string, string>;

function Editor({
  noun,
  columns,
  rows,
  save,
  remove,
}: {
  noun: string;
  columns: Column[];
  rows: Row[];
  save: { mutate: (v: Record<string, string>) => void; isPending: boolean; error: unknown; reset: () => void };
  remove: { mutate: (v: { id: string }) => void; isPending: boolean; error: unknown };
}) {
  const empty = Object.fromEntries(columns.map((c) => [c.key, ""]));
  const [form, setForm] = useState<Record<string, string>>(empty);
  const errs = fieldErrors(save.error as never);
  const editing = form.id;
  const slug = noun.toLowerCase();
  return (
    <div className="space-y-4">
      <Table label={`${noun}s`}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} className={th}>
                {c.label}
              </th>
            ))}
            <th className={th}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
          {rows.map((r) => (
            <tr key={r.id}>
              {columns.map((c) => (
                <td key={c.key} className={td}>
                  {c.mono ?
                    <code className="text-xs">{r[c.key]}</code>
                  : r[c.key]}
                </td>
              ))}
              <td className={`${td} whitespace-nowrap text-right`}>
                <Button variant="secondary" type="button" onClick={() => (save.reset(), setForm({ ...r }))} aria-label={`Edit ${r[columns[0].key]}`}>
                  Edit
                </Button>{" "}
                <Button
                  variant="danger"
                  type="button"
                  disabled={remove.isPending}
                  aria-label={`Delete ${r[columns[0].key]}`}
                  onClick={() => confirm(`Delete ${slug} ${r[columns[0].key]}?`) && remove.mutate({ id: r.id })}
                >
                  Delete
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {formError(remove.error as never) && <Alert>{formError(remove.error as never)}</Alert>}
      <form
        aria-label={editing ? `Edit ${slug}` : `New ${slug}`}
        className="max-w-xl space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const values = Object.fromEntries(columns.map((c) => [c.key, form[c.key] ?? ""]));
          save.mutate(editing ? { ...values, id: editing } : values);
        }}
      >
        <h3 className="font-semibold">{editing ? `Edit ${slug} ${rows.find((r) => r.id === editing)?.[columns[0].key] ?? ""}` : `Add ${slug}`}</h3>
        {formError(save.error as never) && <Alert>{formError(save.error as never)}</Alert>}
        {columns.map((c) => (
          <Field key={c.key} id={`${slug}-${c.key}`} label={c.label} hint={c.hint} error={errs[c.key]}>
            <input
              id={`${slug}-${c.key}`}
              className={inputClass}
              value={form[c.key] ?? ""}
              aria-invalid={!!errs[c.key]}
              onChange={(e) => setForm({ ...form, [c.key]: e.target.value })}
            />
          </Field>
        ))}
        <div className="flex gap-2">
          <Button type="submit" disabled={save.isPending}>
            {editing ? "Save" : `Add ${slug}`}
          </Button>
          {editing && (
            <Button type="button" variant="secondary" onClick={() => (save.reset(), setForm(empty))}>
              Cancel
            </Button>
          )}
        </div>
      </form>
    </div>
  );
}

export function ArchitecturesEditor({ rows }: { rows: Row[] }) {
  const router = useRouter();
  const done = { onSuccess: () => router.refresh() };
  const save = trpc.farm.saveArchitecture.useMutation(done);
  const remove = trpc.farm.deleteArchitecture.useMutation(done);
  return (
    <Editor
      noun="Architecture"
      rows={rows}
      columns={[
        { key: "keyword", label: "Keyword", hint: "The portage keyword: amd64, x86, arm64 …", mono: true },
        { key: "chost", label: "CHOST", hint: "Target triple, e.g. x86_64-pc-linux-gnu", mono: true },
        { key: "cflags", label: "Default CFLAGS", hint: "COMMON_FLAGS of generated make.conf files", mono: true },
        { key: "description", label: "Description" },
      ]}
      save={{ ...save, mutate: (v) => save.mutate(v as never) }}
      remove={remove}
    />
  );
}

export function EnvironmentsEditor({ rows }: { rows: Row[] }) {
  const router = useRouter();
  const done = { onSuccess: () => router.refresh() };
  const save = trpc.farm.saveEnvironment.useMutation(done);
  const remove = trpc.farm.deleteEnvironment.useMutation(done);
  return (
    <Editor
      noun="Environment"
      rows={rows}
      columns={[
        { key: "name", label: "Name", hint: "development, staging, production …", mono: true },
        { key: "portageBranch", label: "Portage tree branch", hint: "Branch of the portage mirror this environment builds against", mono: true },
        { key: "description", label: "Description" },
      ]}
      save={{ ...save, mutate: (v) => save.mutate(v as never) }}
      remove={remove}
    />
  );
}
