import Link from "next/link";
import { Fragment, type ReactNode } from "react";
import type { Diff, DiffLine, FileDiff } from "@/server/git/plumbing/diff";
import { Alert, Badge, cx } from "@/components/ui";
import { blobUrl } from "./urls";

const statusTone = { added: "green", deleted: "red", modified: "blue", renamed: "purple", copied: "purple", "type-changed": "amber" } as const;

const fileName = (f: FileDiff) => f.newPath ?? f.oldPath ?? "";

function Counts({ f }: { f: { additions: number; deletions: number } }) {
  return (
    <span className="font-mono text-xs">
      <span className="text-green-700 dark:text-green-400">+{f.additions}</span> <span className="text-red-700 dark:text-red-400">−{f.deletions}</span>
    </span>
  );
}

function FileTitle({ f }: { f: FileDiff }) {
  return (
    <span className="font-mono text-sm">
      {f.status === "renamed" || f.status === "copied" ?
        <>
          {f.oldPath} → {f.newPath}
        </>
      : fileName(f)}
    </span>
  );
}

/** What a page adds to a diff line: an action in the gutter (comment) and rows below it (threads). */
export type LineExtras = (f: FileDiff, line: DiffLine) => { action?: ReactNode; below?: ReactNode } | null;

function FileBody({ f, link, extras, split }: { f: FileDiff; link: string | null; extras?: LineExtras; split?: boolean }) {
  const note = (text: string) => (
    <p className="px-4 py-3 text-sm text-gray-600 dark:text-gray-400">
      {text}
      {link && (
        <>
          {" "}
          <Link href={link} className="text-brand-600 hover:underline">
            View file
          </Link>
        </>
      )}
    </p>
  );
  if (f.binary) return note("Binary file changed.");
  if (f.tooLarge) return note("This diff is too large to display.");
  if (f.omitted) return note("Not shown: the whole diff is over its size limit.");
  if (f.hunks.length === 0) return note(f.oldMode !== f.newMode ? `File mode changed from ${f.oldMode} to ${f.newMode}.` : "No content changes.");
  return <FileHunks f={f} extras={extras} split={split} />;
}

/** A file's hunks as a table, unified or side by side (also used by pages that load a file's diff later). */
export function FileHunks({ f, extras, split = false }: { f: FileDiff; extras?: LineExtras; split?: boolean }) {
  const Rows = split ? SplitHunkRows : HunkRows;
  return (
    <div className="overflow-x-auto">
      <table className={cx("w-full border-collapse font-mono text-xs leading-5", split && "table-fixed")}>
        {split && (
          <colgroup>
            <col className="w-12" />
            <col />
            <col className="w-12" />
            <col />
          </colgroup>
        )}
        <tbody>
          {f.hunks.map((h, i) => (
            <Rows key={i} header={h.header} lines={h.lines} extras={extras && ((l) => extras(f, l))} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const lineTone = (l: DiffLine | null) =>
  cx(l?.kind === "add" && "bg-green-50 dark:bg-green-950/40", l?.kind === "del" && "bg-red-50 dark:bg-red-950/40", !l && "bg-gray-50 dark:bg-gray-900");

/** Pairs a hunk's lines for two columns: context on both sides, runs of deletions beside the additions that follow. */
export function pairLines(lines: DiffLine[]): { old: DiffLine | null; new: DiffLine | null }[] {
  const rows: { old: DiffLine | null; new: DiffLine | null }[] = [];
  let dels: DiffLine[] = [];
  let adds: DiffLine[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) rows.push({ old: dels[i] ?? null, new: adds[i] ?? null });
    dels = [];
    adds = [];
  };
  for (const l of lines) {
    if (l.kind === "del") {
      if (adds.length) flush();
      dels.push(l);
    } else if (l.kind === "add") adds.push(l);
    else {
      flush();
      if (l.kind === "context") rows.push({ old: l, new: l });
    }
  }
  flush();
  return rows;
}

function SplitHunkRows({ header, lines, extras }: { header: string; lines: DiffLine[]; extras?: (l: DiffLine) => ReturnType<LineExtras> }) {
  return (
    <>
      <tr className="bg-blue-50 text-gray-500 dark:bg-blue-950/40 dark:text-gray-400">
        <td colSpan={4} className="px-3 py-0.5">
          {header}
        </td>
      </tr>
      {pairLines(lines).map((row, j) => {
        const left = row.old && row.old !== row.new ? extras?.(row.old) : null;
        const right = row.new ? extras?.(row.new) : null;
        return (
          <Fragment key={j}>
            <tr className="group">
              <td className={cx("select-none px-2 text-right text-gray-400", lineTone(row.old))}>{row.old?.old ?? ""}</td>
              <td className={cx("whitespace-pre-wrap break-all border-r border-gray-200 px-3 dark:border-gray-700", lineTone(row.old))}>
                {row.old && row.old.kind === "del" && (
                  <span className="select-none text-gray-400" aria-hidden>
                    -
                  </span>
                )}
                {row.old?.text}
                {left?.action}
              </td>
              <td className={cx("select-none px-2 text-right text-gray-400", lineTone(row.new))}>{row.new?.new ?? ""}</td>
              <td className={cx("whitespace-pre-wrap break-all px-3", lineTone(row.new))}>
                {row.new && row.new.kind === "add" && (
                  <span className="select-none text-gray-400" aria-hidden>
                    +
                  </span>
                )}
                {row.new?.text}
                {right?.action}
              </td>
            </tr>
            {(left?.below || right?.below) && (
              <tr>
                <td colSpan={2} className="px-3 py-2 align-top">
                  {left?.below}
                </td>
                <td colSpan={2} className="px-3 py-2 align-top">
                  {right?.below}
                </td>
              </tr>
            )}
          </Fragment>
        );
      })}
    </>
  );
}

function HunkRows({ header, lines, extras }: { header: string; lines: DiffLine[]; extras?: (l: DiffLine) => ReturnType<LineExtras> }) {
  return (
    <>
      <tr className="bg-blue-50 text-gray-500 dark:bg-blue-950/40 dark:text-gray-400">
        <td colSpan={3} className="px-3 py-0.5">
          {header}
        </td>
      </tr>
      {lines.map((l, j) => {
        const extra = extras?.(l);
        return (
          <Fragment key={j}>
            <tr
              className={cx(
                "group",
                l.kind === "add" && "bg-green-50 dark:bg-green-950/40",
                l.kind === "del" && "bg-red-50 dark:bg-red-950/40",
                l.kind === "note" && "text-gray-500 italic",
              )}
            >
              <td className="w-1 select-none px-2 text-right text-gray-400">{l.old ?? ""}</td>
              <td className="w-1 select-none border-r border-gray-200 px-2 text-right text-gray-400 dark:border-gray-700">{l.new ?? ""}</td>
              <td className="whitespace-pre px-3">
                <span className="select-none text-gray-400" aria-hidden>
                  {l.kind === "add" ?
                    "+"
                  : l.kind === "del" ?
                    "-"
                  : " "}
                </span>
                {l.text}
                {extra?.action}
              </td>
            </tr>
            {extra?.below && (
              <tr>
                <td colSpan={3} className="px-3 py-2">
                  {extra.below}
                </td>
              </tr>
            )}
          </Fragment>
        );
      })}
    </>
  );
}

export type FileTreeNode = { kind: "dir"; name: string; children: FileTreeNode[] } | { kind: "file"; name: string; index: number };

/**
 * The changed files as a directory tree (directories first, by name; a directory with a
 * single subdirectory and no files is shown as one "a/b" row, as GitLab does).
 */
export function fileTree(paths: string[]): FileTreeNode[] {
  type Dir = { dirs: Map<string, Dir>; files: { name: string; index: number }[] };
  const root: Dir = { dirs: new Map(), files: [] };
  paths.forEach((p, index) => {
    const parts = p.split("/");
    let d = root;
    for (const part of parts.slice(0, -1)) {
      if (!d.dirs.has(part)) d.dirs.set(part, { dirs: new Map(), files: [] });
      d = d.dirs.get(part)!;
    }
    d.files.push({ name: parts[parts.length - 1], index });
  });
  const build = (d: Dir): FileTreeNode[] => [
    ...[...d.dirs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, sub]): FileTreeNode => {
        let label = name;
        while (sub.files.length === 0 && sub.dirs.size === 1) {
          const [[next, deeper]] = [...sub.dirs.entries()];
          label += `/${next}`;
          sub = deeper;
        }
        return { kind: "dir", name: label, children: build(sub) };
      }),
    ...d.files.sort((a, b) => a.name.localeCompare(b.name)).map((f): FileTreeNode => ({ kind: "file", ...f })),
  ];
  return build(root);
}

const pathLabel = (f: FileDiff) => (f.oldPath && f.newPath && f.oldPath !== f.newPath ? `${f.oldPath} → ${f.newPath}` : (f.newPath ?? f.oldPath ?? ""));

function FileTreeList({ nodes, files }: { nodes: FileTreeNode[]; files: FileDiff[] }) {
  return (
    <ul className="pl-3">
      {nodes.map((n) =>
        n.kind === "dir" ?
          <li key={`d:${n.name}`}>
            <details open>
              <summary className="cursor-pointer py-0.5 text-gray-700 dark:text-gray-300">{n.name}/</summary>
              <FileTreeList nodes={n.children} files={files} />
            </details>
          </li>
        : <li key={n.index} className="flex items-center justify-between gap-3 py-0.5">
            <a
              href={`#diff-${n.index}`}
              className="min-w-0 truncate text-brand-600 hover:underline"
              aria-label={pathLabel(files[n.index])}
              title={pathLabel(files[n.index])}
            >
              {n.name}
            </a>
            <span className="flex shrink-0 items-center gap-2">
              <Badge tone={statusTone[files[n.index].status]}>{files[n.index].status}</Badge>
              {files[n.index].binary ?
                <span className="text-xs text-gray-500">binary</span>
              : <Counts f={files[n.index]} />}
            </span>
          </li>,
      )}
    </ul>
  );
}

/**
 * A diff as GitLab shows it: the changed files with +/- counts, then each file's unified
 * diff; large files start collapsed, binary ones are only noted. `fileLink` points a file
 * at its blob (null when there is nothing to link to).
 */
export function DiffView({
  diff,
  slug,
  repo,
  at,
  extras,
  deferredBody,
  split = false,
}: {
  diff: Diff;
  slug: string;
  repo: string;
  at: { old: string | null; new: string };
  extras?: LineExtras;
  /** the body of a `deferred` file: something that loads its hunks when opened */
  deferredBody?: (f: FileDiff) => ReactNode;
  /** side by side instead of unified */
  split?: boolean;
}) {
  const linkOf = (f: FileDiff) =>
    !f.linkable ? null
    : f.newPath !== null ? blobUrl(slug, repo, at.new, f.newPath)
    : at.old && f.oldPath ? blobUrl(slug, repo, at.old, f.oldPath)
    : null;
  if (diff.files.length === 0) return <p className="text-sm text-gray-600 dark:text-gray-400">No changes.</p>;
  return (
    <div className="space-y-4">
      <section aria-label="Changed files">
        <p className="mb-2 text-sm">
          Showing{" "}
          <strong>
            {diff.files.length} changed {diff.files.length === 1 ? "file" : "files"}
          </strong>{" "}
          with <span className="text-green-700 dark:text-green-400">{diff.additions} additions</span> and{" "}
          <span className="text-red-700 dark:text-red-400">{diff.deletions} deletions</span>
        </p>
        {diff.truncated && (
          <div className="mb-2">
            <Alert tone="warning">This diff is very large: some files are not shown. Compare locally with git to see everything.</Alert>
          </div>
        )}
        <nav aria-label="File tree" className="rounded-lg border border-gray-200 py-1 pr-3 text-sm dark:border-gray-700">
          <FileTreeList nodes={fileTree(diff.files.map((f) => f.newPath ?? f.oldPath ?? ""))} files={diff.files} />
        </nav>
      </section>
      {diff.files.map((f, i) => (
        <details
          key={i}
          id={`diff-${i}`}
          open={!f.collapsed && !f.deferred}
          className="rounded-lg border border-gray-200 bg-white dark:border-gray-700 dark:bg-gray-800"
        >
          <summary className="flex cursor-pointer items-center justify-between gap-3 border-b border-gray-200 bg-gray-50 px-3 py-2 dark:border-gray-700 dark:bg-gray-900">
            <FileTitle f={f} />
            <span className="flex items-center gap-2">
              {(f.collapsed || f.deferred) && <span className="text-xs text-gray-500">{f.collapsed ? "large diff" : "not loaded yet"}, click to expand</span>}
              <Badge tone={statusTone[f.status]}>{f.status}</Badge>
              {!f.binary && <Counts f={f} />}
            </span>
          </summary>
          {f.deferred && deferredBody ? deferredBody(f) : <FileBody f={f} link={linkOf(f)} extras={extras} split={split} />}
        </details>
      ))}
    </div>
  );
}
