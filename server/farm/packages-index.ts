import type { Gpkg } from "./gpkg";

/**
 * The binhost `Packages` index exactly as portage writes it (portage's PackageIndex.write
 * with bintree's key tables): header and stanzas are `KEY: value` lines with keys sorted
 * by portage's internal names, empty and default values left out, `CHOST`, `REPO` and
 * `BINPKG_FORMAT` inherited from the header, stanzas sorted by CPV, each followed by one
 * blank line. Dependency strings are USE-evaluated like portage's `_eval_use_flags`.
 */

export type IndexHeader = {
  arch: string;
  chost: string;
  /** The portage profile the packages were built with (PROFILE). */
  profile: string;
  /** Where the packages are served (URI), so clients fetch from here. */
  uri: string;
  timestamp: number;
  /** Main repository name (header REPO). */
  repository?: string;
};

export type IndexEntry = Record<string, string>;

/** Metadata keys portage copies from a package into its stanza (bintree's _pkgindex_keys + aux keys). */
const PKG_KEYS = [
  "BDEPEND",
  "BUILD_ID",
  "BUILD_TIME",
  "CHOST",
  "DEFINED_PHASES",
  "DEPEND",
  "EAPI",
  "IDEPEND",
  "IUSE",
  "KEYWORDS",
  "LICENSE",
  "PDEPEND",
  "PROPERTIES",
  "PROVIDES",
  "RDEPEND",
  "REQUIRES",
  "RESTRICT",
  "SLOT",
  "USE",
  "repository",
];
const USE_EVALUATED = ["BDEPEND", "DEPEND", "IDEPEND", "LICENSE", "RDEPEND", "PDEPEND", "PROPERTIES", "RESTRICT"];
const DEFAULTS: Record<string, string> = { EAPI: "0", SLOT: "0" };
const INHERITED = ["BINPKG_FORMAT", "CHOST", "repository"];
const TRANSLATED: Record<string, string> = { DESCRIPTION: "DESC", _mtime_: "MTIME", repository: "REPO" };

const versionRe = /-(\d+(?:\.\d+)*[a-z]?(?:_(?:alpha|beta|pre|rc|p)\d*)*)(?:-r(\d+))?$/;

/** PF → PN (portage's pkgsplit). */
export function packageName(pf: string) {
  const m = versionRe.exec(pf);
  if (!m) throw new Error(`${pf} has no valid version`);
  return pf.slice(0, m.index);
}

type Tree = (string | Tree)[];

function parseDeps(s: string): Tree {
  const stack: Tree[] = [[]];
  for (const tok of s.split(/\s+/).filter(Boolean)) {
    if (tok === "(") {
      const group: Tree = [];
      stack.at(-1)!.push(group);
      stack.push(group);
    } else if (tok === ")") {
      if (stack.length === 1) throw new Error("unbalanced )");
      stack.pop();
    } else stack.at(-1)!.push(tok);
  }
  if (stack.length !== 1) throw new Error("unbalanced (");
  return stack[0];
}

/**
 * portage's use_reduce (flat=False): conditionals evaluated against USE, redundant
 * brackets dropped, an any-of with one alternative left replaced by it. Inside `||`,
 * all-of groups keep their brackets.
 */
function reduce(tree: Tree, use: Set<string>, anyOf = false): Tree {
  const out: Tree = [];
  const add = (r: Tree) => {
    if (!anyOf) out.push(...r);
    else if (r.length === 1) out.push(r[0]);
    else if (r.length) out.push(r);
  };
  for (let i = 0; i < tree.length; i++) {
    const tok = tree[i];
    const next = tree[i + 1];
    if (typeof tok === "string" && tok.endsWith("?") && Array.isArray(next)) {
      i++;
      const neg = tok.startsWith("!");
      if (use.has(tok.slice(neg ? 1 : 0, -1)) !== neg) add(reduce(next, use));
    } else if (tok === "||" && Array.isArray(next)) {
      i++;
      const r = reduce(next, use, true);
      if (r.length > 1) out.push("||", r);
      else if (r.length === 1) {
        if (Array.isArray(r[0]) && !anyOf) out.push(...r[0]);
        else out.push(r[0]);
      }
    } else if (Array.isArray(tok)) add(reduce(tok, use));
    else out.push(tok);
  }
  return out;
}

function enclose(tree: Tree): string {
  return tree.map((t) => (Array.isArray(t) ? `( ${enclose(t)} )` : t)).join(" ");
}

export function evaluateUse(deps: string, use: string[]): string {
  if (!deps.trim()) return "";
  return enclose(reduce(parseDeps(deps), new Set(use)));
}

/** The binpkg-multi-instance path of a package: cat/pn/pf-BUILD_ID.gpkg.tar */
export function packagePath(metadata: Record<string, string>, buildId: number) {
  return `${metadata.CATEGORY}/${packageName(metadata.PF)}/${metadata.PF}-${buildId}.gpkg.tar`;
}

/** A stanza's fields (internal key names) from a package's own metadata and file facts. */
export function entryFor(pkg: Gpkg, buildId: number): IndexEntry {
  const m = pkg.metadata;
  const use = (m.USE ?? "").split(" ").filter(Boolean);
  const e: IndexEntry = { CPV: `${m.CATEGORY}/${m.PF}` };
  for (const k of PKG_KEYS) if (m[k] !== undefined) e[k] = USE_EVALUATED.includes(k) ? evaluateUse(m[k], use) : m[k];
  e.BUILD_ID = String(buildId);
  e.BINPKG_FORMAT = "gpkg";
  e.PATH = packagePath(m, buildId);
  e.SIZE = String(pkg.size);
  e.SHA1 = pkg.sha1;
  e.MD5 = pkg.md5;
  e._mtime_ = String(pkg.mtime);
  return e;
}

function block(pairs: [string, string][]) {
  return pairs.map(([k, v]) => `${TRANSLATED[k] ?? k}: ${v}\n`).join("") + "\n";
}

const byKey = (a: string, b: string) =>
  a < b ? -1
  : a > b ? 1
  : 0;

export function headerFields(h: IndexHeader, count: number): Record<string, string> {
  return {
    ARCH: h.arch,
    BINPKG_FORMAT: "gpkg",
    CHOST: h.chost,
    PACKAGES: String(count),
    PROFILE: h.profile,
    TIMESTAMP: String(h.timestamp),
    URI: h.uri,
    VERSION: "0",
    repository: h.repository ?? "gentoo",
  };
}

export function formatHeader(header: Record<string, string>) {
  return block(
    Object.keys(header)
      .sort(byKey)
      .filter((k) => header[k])
      .map((k) => [k, header[k]]),
  );
}

export function formatStanza(entry: IndexEntry, header: Record<string, string>) {
  const e = { ...entry };
  for (const k of INHERITED) if (header[k] !== undefined && header[k] === e[k]) delete e[k];
  for (const [k, v] of Object.entries(DEFAULTS)) if (e[k] === v) delete e[k];
  return block(
    Object.keys(e)
      .sort(byKey)
      .filter((k) => e[k])
      .map((k) => [k, e[k]]),
  );
}

export function sortEntries(entries: IndexEntry[]) {
  return [...entries].sort((a, b) => byKey(a.CPV, b.CPV));
}

/** The whole index as one string (tests, small indexes); publish streams the same pieces. */
export function formatIndex(h: IndexHeader, entries: IndexEntry[]) {
  const header = headerFields(h, entries.length);
  return (
    formatHeader(header) +
    sortEntries(entries)
      .map((e) => formatStanza(e, header))
      .join("")
  );
}

/** CPV → [category/package, version-revision]. */
export function splitCpv(cpv: string): [string, string] {
  const slash = cpv.indexOf("/");
  const pf = cpv.slice(slash + 1);
  const pn = packageName(pf);
  return [`${cpv.slice(0, slash)}/${pn}`, pf.slice(pn.length + 1)];
}
