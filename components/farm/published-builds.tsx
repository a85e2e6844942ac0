"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Badge, Button, Field, formatDate, inputClass } from "@/components/ui";
import { changeText } from "@/lib/package-change";

type Target = { environment: string; arch: string; profile: string };

/** Build notes (Markdown): an admin edits them in place. */
export function NotesEditor({ target, number, notes }: { target: Target; number: number; notes: string }) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(notes);
  const save = trpc.publishedBuilds.setNotes.useMutation({ onSuccess: () => (setEditing(false), router.refresh()) });
  if (!editing)
    return (
      <Button variant="secondary" type="button" onClick={() => (setText(notes), setEditing(true))}>
        {notes ? "Edit notes" : "Add notes"}
      </Button>
    );
  return (
    <form
      aria-label="Build notes"
      className="max-w-2xl space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ ...target, number, notes: text });
      }}
    >
      {formError(save.error as never) && <Alert>{formError(save.error as never)}</Alert>}
      <Field label="Notes (Markdown)" id="build-notes" error={fieldErrors(save.error as never).notes}>
        <textarea id="build-notes" className={`${inputClass} h-40 font-mono`} value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      <div className="flex gap-2">
        <Button type="submit" disabled={save.isPending}>
          Save notes
        </Button>
        <Button variant="secondary" type="button" onClick={() => setEditing(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** The build's tags with Remove, and a form that tags it (moving the tag from another build). */
export function TagEditor({ target, number, tags }: { target: Target; number: number; tags: string[] }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [moved, setMoved] = useState<string | null>(null);
  const tag = trpc.publishedBuilds.tag.useMutation({
    onSuccess: (r) => (setMoved(r.movedFrom ? `Tag ${name} moved here from build ${r.movedFrom}.` : null), setName(""), router.refresh()),
  });
  const untag = trpc.publishedBuilds.untag.useMutation({ onSuccess: () => router.refresh() });
  return (
    <div className="space-y-2">
      <ul className="flex flex-wrap gap-2" aria-label="Tags">
        {tags.map((t) => (
          <li key={t} className="flex items-center gap-1">
            <Badge tone="purple">@{t}</Badge>
            <button
              type="button"
              className="text-xs text-red-600 hover:underline"
              aria-label={`Remove tag ${t}`}
              disabled={untag.isPending}
              onClick={() => untag.mutate({ ...target, name: t })}
            >
              remove
            </button>
          </li>
        ))}
      </ul>
      <form
        aria-label="Tag this build"
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          tag.mutate({ ...target, number, name: name.trim() });
        }}
      >
        <Field label="Tag" id="tag-name" error={fieldErrors(tag.error as never).name} hint="e.g. stable, pre-upgrade">
          <input id="tag-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Button type="submit" variant="secondary" disabled={tag.isPending || !name.trim()}>
          Tag build {number}
        </Button>
      </form>
      {formError(tag.error as never) && <Alert>{formError(tag.error as never)}</Alert>}
      {formError(untag.error as never) && <Alert>{formError(untag.error as never)}</Alert>}
      {moved && <Alert tone="info">{moved}</Alert>}
    </div>
  );
}

/**
 * "Roll back to build N": a confirmation naming the build, its date and every package that
 * goes back (from the live build to this one), then the rollback. A refusal (retention
 * removed the build's files) is shown instead of the button.
 */
export function RollbackButton({ target, number }: { target: Target; number: number }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const preview = trpc.publishedBuilds.rollbackPreview.useQuery({ ...target, number }, { enabled: open });
  const rollback = trpc.publishedBuilds.rollback.useMutation({ onSuccess: () => (setOpen(false), router.refresh()) });
  const p = preview.data;
  return (
    <>
      <Button variant="danger" type="button" onClick={() => (rollback.reset(), setOpen(true))}>
        Roll back to build {number}
      </Button>
      {formError(rollback.error as never) && !open && <Alert>{formError(rollback.error as never)}</Alert>}
      {open && (
        <div role="dialog" aria-modal="true" aria-labelledby="rollback-title" className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4">
          <div className="max-h-[90vh] w-full max-w-xl overflow-y-auto rounded-lg bg-white p-5 shadow-xl dark:bg-gray-900">
            <h2 id="rollback-title" className="mb-3 text-lg font-semibold">
              Roll back {target.profile} ({target.environment}/{target.arch}) to build {number}?
            </h2>
            {preview.isLoading && <p className="text-sm">Loading what goes back…</p>}
            {preview.error && <Alert>{preview.error.message}</Alert>}
            {p && p.refusal && <Alert>{p.refusal}</Alert>}
            {p && !p.refusal && (
              <div className="space-y-2 text-sm">
                <p>
                  Build {p.build.number} of {formatDate(p.build.createdAt)} ({p.build.packageCount} packages) becomes live again
                  {p.live ? ` in place of build ${p.live.number}` : ""}. Hosts get its packages at their next <code>emerge --getbinpkg</code>.
                </p>
                {p.changes.length === 0 ?
                  <p>The package lists are the same.</p>
                : <>
                    <p>What goes back:</p>
                    <ul className="list-disc pl-5 font-mono" aria-label="What goes back">
                      {p.changes.map((c) => (
                        <li key={`${c.package}-${c.from}-${c.to}`}>{changeText(c)}</li>
                      ))}
                    </ul>
                  </>
                }
              </div>
            )}
            {formError(rollback.error as never) && <Alert>{formError(rollback.error as never)}</Alert>}
            <div className="mt-4 flex justify-end gap-2">
              <Button variant="secondary" type="button" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button variant="danger" type="button" disabled={!p || !!p.refusal || rollback.isPending} onClick={() => rollback.mutate({ ...target, number })}>
                Roll back
              </Button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}
