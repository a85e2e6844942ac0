/** Small inline icons for tree entries (no icon font, no emoji: they render everywhere). */
const paths = {
  tree: "M1.5 3.5A1 1 0 0 1 2.5 2.5h3.6l1.5 1.5h5.9a1 1 0 0 1 1 1v7.5a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z",
  blob: "M3.5 1.5h6l3 3v10h-9zM9.5 1.5v3h3",
  symlink: "M3.5 1.5h6l3 3v10h-9zM6 11l4-4M7 7h3v3",
  submodule: "M2 5l6-3 6 3v6l-6 3-6-3zM2 5l6 3 6-3M8 8v6",
};

export function EntryIcon({ kind }: { kind: keyof typeof paths }) {
  return (
    <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden className="mr-2 inline-block shrink-0 align-[-3px] text-gray-500 dark:text-gray-400">
      <path d={paths[kind]} fill={kind === "tree" ? "currentColor" : "none"} stroke="currentColor" strokeWidth="1.2" strokeLinejoin="round" />
    </svg>
  );
}
