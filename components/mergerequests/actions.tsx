"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, cx, inputClass } from "@/components/ui";

type Ref = { slug: string; name: string; number: number };

function useRefreshing() {
  const router = useRouter();
  return { onSuccess: () => router.refresh() };
}

/** Approve / revoke, close / reopen. */
export function ReviewButtons({
  at,
  headSha,
  approved,
  canApprove,
  canUpdate,
  state,
}: {
  at: Ref;
  headSha: string;
  approved: boolean;
  canApprove: boolean;
  canUpdate: boolean;
  state: string;
}) {
  const opts = useRefreshing();
  const approve = trpc.mergeRequests.approve.useMutation(opts);
  const revoke = trpc.mergeRequests.revokeApproval.useMutation(opts);
  const setState = trpc.mergeRequests.setState.useMutation(opts);
  const error = approve.error ?? revoke.error ?? setState.error;
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        {canApprove && state === "open" && !approved && (
          <Button onClick={() => approve.mutate({ ...at, expectedHeadSha: headSha })} disabled={approve.isPending}>
            Approve
          </Button>
        )}
        {canApprove && approved && (
          <Button variant="secondary" onClick={() => revoke.mutate(at)} disabled={revoke.isPending}>
            Revoke approval
          </Button>
        )}
        {canUpdate && state === "open" && (
          <Button variant="secondary" onClick={() => setState.mutate({ ...at, state: "closed" })} disabled={setState.isPending}>
            Close merge request
          </Button>
        )}
        {canUpdate && state === "closed" && (
          <Button variant="secondary" onClick={() => setState.mutate({ ...at, state: "open" })} disabled={setState.isPending}>
            Reopen merge request
          </Button>
        )}
      </div>
      {error && <Alert>{error.message}</Alert>}
    </div>
  );
}

/** The merge box: method, delete source, merge now or when checks pass. */
export function MergeBox({
  at,
  headSha,
  canMerge,
  ready,
  waitingForChecks,
  autoMerge,
  sourceDeletable,
}: {
  at: Ref;
  headSha: string;
  canMerge: boolean;
  ready: boolean;
  waitingForChecks: boolean;
  autoMerge: { method: string } | null;
  sourceDeletable: boolean;
}) {
  const opts = useRefreshing();
  const [method, setMethod] = useState<"merge" | "ff" | "squash">("merge");
  const [deleteSource, setDeleteSource] = useState(sourceDeletable);
  const merge = trpc.mergeRequests.merge.useMutation(opts);
  const cancel = trpc.mergeRequests.cancelAutoMerge.useMutation(opts);
  if (!canMerge) return <p className="text-sm text-gray-600 dark:text-gray-400">You cannot merge into this branch; a leader can.</p>;
  if (autoMerge)
    return (
      <div className="flex flex-wrap items-center gap-3">
        <p className="text-sm">Set to merge ({autoMerge.method}) when the required checks pass.</p>
        <Button variant="secondary" onClick={() => cancel.mutate(at)} disabled={cancel.isPending}>
          Cancel auto-merge
        </Button>
      </div>
    );
  return (
    <form
      aria-label="Merge"
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        merge.mutate({ ...at, method, deleteSource, expectedHeadSha: headSha });
      }}
    >
      <div className="flex flex-wrap items-center gap-4 text-sm">
        <label className="flex items-center gap-2">
          Merge method
          <select className={`${inputClass} w-auto`} value={method} onChange={(e) => setMethod(e.target.value as typeof method)}>
            <option value="merge">Merge commit (--no-ff)</option>
            <option value="ff">Fast-forward only</option>
            <option value="squash">Squash into one commit</option>
          </select>
        </label>
        {sourceDeletable && (
          <label className="flex items-center gap-1.5">
            <input type="checkbox" checked={deleteSource} onChange={(e) => setDeleteSource(e.target.checked)} />
            Delete source branch
          </label>
        )}
      </div>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={!ready || merge.isPending}>
          Merge
        </Button>
        {waitingForChecks && (
          <Button
            type="button"
            variant="secondary"
            disabled={merge.isPending}
            onClick={() => merge.mutate({ ...at, method, deleteSource, expectedHeadSha: headSha, whenChecksPass: true })}
          >
            Merge when checks pass
          </Button>
        )}
      </div>
      {merge.error && <Alert>{merge.error.message}</Alert>}
    </form>
  );
}

/** A new general comment, a reply to a thread, or a comment on a diff line. */
export function CommentForm({
  at,
  threadId,
  position,
  label = "Comment",
  compact = false,
  opener,
}: {
  at: Ref;
  threadId?: string;
  position?: { path: string; line: number; side: "old" | "new" };
  label?: string;
  /** starts closed behind a button (reply, line comment) */
  compact?: boolean;
  /** the closed button's visible text (its accessible name is `label`) */
  opener?: string;
}) {
  const [body, setBody] = useState("");
  const [open, setOpen] = useState(!compact);
  const router = useRouter();
  const comment = trpc.mergeRequests.comment.useMutation({
    onSuccess: () => {
      setBody("");
      if (compact) setOpen(false);
      router.refresh();
    },
  });
  if (!open)
    return (
      <button
        type="button"
        aria-label={label}
        title={label}
        className={cx("ml-2 text-xs text-brand-600 hover:underline", position && "opacity-0 focus:opacity-100 group-hover:opacity-100")}
        onClick={() => setOpen(true)}
      >
        {opener ?? label}
      </button>
    );
  const id = `comment-${threadId ?? (position ? `${position.path}-${position.side}-${position.line}` : "new")}`;
  return (
    <form
      aria-label={label}
      className="space-y-2 whitespace-normal font-sans"
      onSubmit={(e) => {
        e.preventDefault();
        comment.mutate({ ...at, body, threadId: threadId ?? null, path: position?.path ?? null, line: position?.line ?? null, side: position?.side ?? null });
      }}
    >
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <textarea id={id} className={`${inputClass} min-h-20`} value={body} onChange={(e) => setBody(e.target.value)} placeholder="Markdown" />
      {fieldErrors(comment.error).body && <p className="text-sm text-red-600">{fieldErrors(comment.error).body}</p>}
      {formError(comment.error) && <Alert>{formError(comment.error)}</Alert>}
      <div className="flex gap-2">
        <Button type="submit" disabled={comment.isPending}>
          {compact && !threadId && position ? "Add comment" : label}
        </Button>
        {compact && (
          <Button type="button" variant="secondary" onClick={() => setOpen(false)}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}

export function ResolveButton({ at, threadId, resolved }: { at: Ref; threadId: string; resolved: boolean }) {
  const resolve = trpc.mergeRequests.resolveThread.useMutation(useRefreshing());
  return (
    <button
      type="button"
      className="text-xs text-brand-600 hover:underline"
      disabled={resolve.isPending}
      onClick={() => resolve.mutate({ ...at, threadId, resolved: !resolved })}
    >
      {resolved ? "Reopen thread" : "Resolve thread"}
    </button>
  );
}

/** Edit title and description (author or developers). */
export function EditMergeRequest({ at, title: t0, description: d0 }: { at: Ref; title: string; description: string }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState(t0);
  const [description, setDescription] = useState(d0);
  const router = useRouter();
  const save = trpc.mergeRequests.update.useMutation({
    onSuccess: () => {
      setOpen(false);
      router.refresh();
    },
  });
  if (!open)
    return (
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Edit
      </Button>
    );
  const errors = fieldErrors(save.error);
  return (
    <form
      aria-label="Edit merge request"
      className="w-full space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ ...at, title, description });
      }}
    >
      <label className="block text-sm font-medium">
        Title
        <input className={inputClass} value={title} onChange={(e) => setTitle(e.target.value)} maxLength={255} />
      </label>
      {errors.title && <p className="text-sm text-red-600">{errors.title}</p>}
      <label className="block text-sm font-medium">
        Description
        <textarea className={`${inputClass} min-h-32 font-mono`} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      {formError(save.error) && <Alert>{formError(save.error)}</Alert>}
      <div className="flex gap-2">
        <Button type="submit" disabled={save.isPending}>
          Save
        </Button>
        <Button type="button" variant="secondary" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** Pick reviewers among the org's developers and leaders. */
export function ReviewersEditor({ at, current, candidates }: { at: Ref; current: string[]; candidates: { username: string; displayName: string }[] }) {
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState(current);
  const router = useRouter();
  const save = trpc.mergeRequests.setReviewers.useMutation({
    onSuccess: () => {
      setOpen(false);
      router.refresh();
    },
  });
  if (!open)
    return (
      <button type="button" className="text-xs text-brand-600 hover:underline" onClick={() => setOpen(true)}>
        Edit reviewers
      </button>
    );
  return (
    <form
      aria-label="Reviewers"
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ ...at, reviewers: chosen });
      }}
    >
      {candidates.map((c) => (
        <label key={c.username} className="flex items-center gap-1.5">
          <input
            type="checkbox"
            checked={chosen.includes(c.username)}
            onChange={(e) => setChosen(e.target.checked ? [...chosen, c.username] : chosen.filter((x) => x !== c.username))}
          />
          {c.displayName}
        </label>
      ))}
      {save.error && <Alert>{save.error.message}</Alert>}
      <Button type="submit" disabled={save.isPending}>
        Save reviewers
      </Button>
    </form>
  );
}

export function AssigneeEditor({ at, current, candidates }: { at: Ref; current: string | null; candidates: { username: string; displayName: string }[] }) {
  const router = useRouter();
  const save = trpc.mergeRequests.setAssignee.useMutation({ onSuccess: () => router.refresh() });
  return (
    <div>
      <label className="sr-only" htmlFor="mr-assignee-edit">
        Assignee
      </label>
      <select
        id="mr-assignee-edit"
        className={inputClass}
        value={current ?? ""}
        disabled={save.isPending}
        onChange={(e) => save.mutate({ ...at, assignee: e.target.value || null })}
      >
        <option value="">Nobody</option>
        {candidates.map((c) => (
          <option key={c.username} value={c.username}>
            {c.displayName}
          </option>
        ))}
      </select>
      {save.error && <Alert>{save.error.message}</Alert>}
    </div>
  );
}
