"use client";

import { useEffect, useRef, useState } from "react";
import { FileHunks } from "@/components/code/diff-view";
import { trpc } from "@/components/trpc";
import { Alert } from "@/components/ui";
import type { Thread } from "@/server/mergerequests/review";
import { lineExtras } from "./line-extras";

type Ref = { slug: string; name: string; number: number };

/** A file of a large merge request diff: its hunks are fetched when its <details> opens. */
export function LazyFileBody({
  at,
  from,
  to,
  paths,
  threads,
  canComment,
  split,
}: {
  at: Ref;
  from: string;
  to: string;
  paths: string[];
  threads: Thread[];
  canComment: boolean;
  split: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const details = ref.current?.closest("details");
    if (!details) return;
    const onToggle = () => details.open && setOpen(true);
    onToggle();
    details.addEventListener("toggle", onToggle);
    return () => details.removeEventListener("toggle", onToggle);
  }, []);
  const file = trpc.mergeRequests.fileDiff.useQuery({ ...at, from, to, paths }, { enabled: open, staleTime: Infinity });
  return (
    <div ref={ref}>
      {file.isLoading && open && <p className="px-4 py-3 text-sm text-gray-500">Loading the diff…</p>}
      {file.error && (
        <div className="p-3">
          <Alert>{file.error.message}</Alert>
        </div>
      )}
      {file.data &&
        (file.data.tooLarge ?
          <p className="px-4 py-3 text-sm text-gray-600 dark:text-gray-400">This diff is too large to display.</p>
        : <FileHunks f={file.data} extras={lineExtras(threads, at, canComment, to)} split={split} />)}
    </div>
  );
}
