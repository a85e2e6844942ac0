import { describe, expect, it } from "vitest";
import type { DiffLine } from "@/server/git/diff";
import { pairLines } from "./diff-view";

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
