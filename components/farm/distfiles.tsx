"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { hrefWith } from "@/components/pager";
import { trpc } from "@/components/trpc";
import { Alert, Button, buttonClass, inputClass } from "@/components/ui";

/** Deletes one stored distfile: as an admin (any file) or as a leader (`org`: one of the organization's private files). */
export function DeleteDistfileButton({ id, filename, org }: { id: string; filename: string; org?: string }) {
  const router = useRouter();
  const onSuccess = () => router.refresh();
  const admin = trpc.distfiles.adminDelete.useMutation({ onSuccess });
  const leader = trpc.distfiles.orgDelete.useMutation({ onSuccess });
  const m = org ? leader : admin;
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <Button
        variant="secondary"
        disabled={m.isPending}
        aria-label={`Delete ${filename}`}
        onClick={() => {
          if (!confirm(`Delete ${filename}?`)) return;
          if (org) leader.mutate({ org, id });
          else admin.mutate({ id });
        }}
      >
        Delete
      </Button>
      {m.error && (
        <span role="alert" className="text-xs text-red-600 dark:text-red-400">
          {m.error.message}
        </span>
      )}
    </span>
  );
}

/** Uploads a file as a private distfile of `org` (streamed: PUT /distfiles/orgs/<org>/<name> with the session). */
export function UploadDistfileForm({ org }: { org: string }) {
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: "error" | "success"; text: string } | null>(null);
  return (
    <form
      className="mb-6 flex flex-wrap items-end gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!file) return;
        setBusy(true);
        setMessage(null);
        try {
          const res = await fetch(`/distfiles/orgs/${encodeURIComponent(org)}/${encodeURIComponent(file.name)}`, {
            method: "PUT",
            body: file,
            headers: { "content-type": "application/octet-stream" },
          });
          if (res.ok) {
            setMessage({ tone: "success", text: `Uploaded ${file.name}` });
            router.refresh();
          } else setMessage({ tone: "error", text: (await res.text()).trim() });
        } finally {
          setBusy(false);
        }
      }}
    >
      <label className="flex flex-col text-sm">
        <span className="mb-1 font-medium">File (its name is the distfile name)</span>
        <input className={inputClass} type="file" name="file" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </label>
      <Button type="submit" disabled={busy || !file}>
        {busy ? "Uploading…" : "Upload"}
      </Button>
      {message && (
        <div className="w-full">
          <Alert tone={message.tone}>{message.text}</Alert>
        </div>
      )}
    </form>
  );
}

/** Previous / next page links for page-numbered lists. */
export function PageLinks({ path, params, page, pages }: { path: string; params: Record<string, string | undefined>; page: number; pages: number }) {
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center gap-2 text-sm">
      {page > 1 && (
        <Link className={buttonClass.secondary} href={hrefWith(path, { ...params, page: page - 1 })}>
          Previous page
        </Link>
      )}
      <span>
        Page {page} of {pages}
      </span>
      {page < pages && (
        <Link className={buttonClass.secondary} href={hrefWith(path, { ...params, page: page + 1 })}>
          Next page
        </Link>
      )}
    </nav>
  );
}
