import { describe, expect, it } from "vitest";
import type { DiffLine } from "@/server/git/plumbing/diff";
import { fileTree, pairLines } from "./diff-view";

const c = (o: number, n: number): DiffLine => ({ kind: "context", old: o, new: n, text: `c${o}` });
const d = (o: number): DiffLine => ({ kind: "del", old: o, new: null, text: `d${o}` });
const a = (n: number): DiffLine => ({ kind: "add", old: null, new: n, text: `a${n}` });

describe("side-by-side pairing", () => {
  it("puts deletions beside the additions that replace them, context on both sides", () => {
    const rows = pairLines([c(1, 1), d(2), d(3), a(2), c(4, 3), a(4), d(5), { kind: "note", old: null, new: null, text: "No newline at end of file" }]);
    expect(rows.map((r) => [r.old?.text ?? null, r.new?.text ?? null])).toEqual([
      ["c1", "c1"],
      ["d2", "a2"],
      ["d3", null],
      ["c4", "c4"],
      [null, "a4"],
      ["d5", null],
    ]);
  });
});

describe("the changed files as a tree", () => {
  it("groups by directory, directories first, and folds single-child directories", () => {
    expect(fileTree(["README.md", "manifests/ntp/init.pp", "hieradata/nodes/web1.yaml", "hieradata/common.yaml", "a/b/c/d.txt"])).toEqual([
      { kind: "dir", name: "a/b/c", children: [{ kind: "file", name: "d.txt", index: 4 }] },
      {
        kind: "dir",
        name: "hieradata",
        children: [
          { kind: "dir", name: "nodes", children: [{ kind: "file", name: "web1.yaml", index: 2 }] },
          { kind: "file", name: "common.yaml", index: 3 },
        ],
      },
      { kind: "dir", name: "manifests/ntp", children: [{ kind: "file", name: "init.pp", index: 1 }] },
      { kind: "file", name: "README.md", index: 0 },
    ]);
  });
});
