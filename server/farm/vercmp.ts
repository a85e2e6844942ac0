/**
 * Version comparison exactly as the Package Manager Specification defines it (PMS,
 * "Version comparison", algorithms 3.1–3.7) and as portage's `portage.versions.vercmp`
 * implements it: numeric components (the first as an integer, later ones as strings without
 * trailing zeros when either starts with "0"), an optional letter, suffixes
 * `_alpha < _beta < _pre < _rc < (none) < _p` with optional numbers, and the revision
 * `-rN` (`-r0` equals no revision). Numbers may be of any length (compared as digit strings,
 * not as floating point). test: vercmp.test.ts compares it with the vendored portage.
 */

/** PMS's version syntax with an optional revision (portage's `ver_regexp`). */
const VERSION = /^(\d+)((?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|p)\d*)*)(?:-r(\d+))?$/;
const SUFFIX_RANK: Record<string, number> = { alpha: 0, beta: 1, pre: 2, rc: 3, p: 4 };

export type ParsedVersion = {
  /** numeric components as written ("1", "02", "3") */
  numbers: string[];
  letter: string;
  suffixes: { kind: "alpha" | "beta" | "pre" | "rc" | "p"; number: string }[];
  /** the revision's digits, "0" when there is none */
  revision: string;
};

export class InvalidVersionError extends Error {
  constructor(readonly version: string) {
    super(`${JSON.stringify(version)} is not a valid version`);
  }
}

export function parseVersion(v: string): ParsedVersion | null {
  const m = VERSION.exec(v);
  if (!m) return null;
  return {
    numbers: [m[1], ...(m[2] ? m[2].slice(1).split(".") : [])],
    letter: m[3],
    suffixes: [...m[4].matchAll(/_(alpha|beta|pre|rc|p)(\d*)/g)].map((s) => ({ kind: s[1] as ParsedVersion["suffixes"][number]["kind"], number: s[2] })),
    revision: m[5] ?? "0",
  };
}

export function isValidVersion(v: string) {
  return VERSION.test(v);
}

/** The version without its revision ("1.2_p3-r4" → "1.2_p3"). */
export function withoutRevision(v: string) {
  return v.replace(/-r\d+$/, "");
}

/** The revision as digits ("1.2-r4" → "4", "1.2" → "0"). */
export function revisionOf(v: string) {
  return /-r(\d+)$/.exec(v)?.[1] ?? "0";
}

/** Compares two non-negative integers written in decimal of any length (leading zeros allowed). */
export function compareIntegers(a: string, b: string): number {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return sign(x, y);
}

function sign(x: string, y: string) {
  return (
    x < y ? -1
    : x > y ? 1
    : 0
  );
}

/** -1, 0 or 1 as version `a` is lower than, equal to or greater than `b`; throws InvalidVersionError for a malformed one. */
export function vercmp(a: string, b: string): number {
  if (a === b && VERSION.test(a)) return 0;
  return compareParsed(parsed(a), parsed(b));
}

// Scans compare the same few versions (an advisory's ranges) against thousands of packages.
const memo = new Map<string, ParsedVersion>();
function parsed(v: string): ParsedVersion {
  let p = memo.get(v);
  if (!p) {
    const fresh = parseVersion(v);
    if (!fresh) throw new InvalidVersionError(v);
    if (memo.size >= 50_000) memo.clear();
    memo.set(v, (p = fresh));
  }
  return p;
}

export function compareParsed(x: ParsedVersion, y: ParsedVersion): number {
  // Algorithm 3.2: numeric components.
  let d = compareIntegers(x.numbers[0], y.numbers[0]);
  if (d) return d;
  const n = Math.min(x.numbers.length, y.numbers.length);
  for (let i = 1; i < n; i++) {
    const a = x.numbers[i];
    const b = y.numbers[i];
    // Algorithm 3.3: a component with a leading zero compares as a decimal fraction.
    d = a.startsWith("0") || b.startsWith("0") ? sign(a.replace(/0+$/, ""), b.replace(/0+$/, "")) : compareIntegers(a, b);
    if (d) return d;
  }
  if (x.numbers.length !== y.numbers.length) return x.numbers.length < y.numbers.length ? -1 : 1;
  // Algorithm 3.4: the letter.
  if (x.letter !== y.letter) return sign(x.letter, y.letter);
  // Algorithms 3.5 and 3.6: suffixes.
  const m = Math.min(x.suffixes.length, y.suffixes.length);
  for (let i = 0; i < m; i++) {
    const s = x.suffixes[i];
    const t = y.suffixes[i];
    if (s.kind !== t.kind) return SUFFIX_RANK[s.kind] < SUFFIX_RANK[t.kind] ? -1 : 1;
    d = compareIntegers(s.number || "0", t.number || "0");
    if (d) return d;
  }
  if (x.suffixes.length > m) return x.suffixes[m].kind === "p" ? 1 : -1;
  if (y.suffixes.length > m) return y.suffixes[m].kind === "p" ? -1 : 1;
  // Algorithm 3.7: the revision.
  return compareIntegers(x.revision, y.revision);
}
