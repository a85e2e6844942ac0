import { XMLParser, XMLValidator } from "fast-xml-parser";
import { isValidVersion, revisionOf, vercmp, withoutRevision } from "./vercmp";

/**
 * Gentoo Linux Security Advisories (the tree's `metadata/glsa/glsa-<id>.xml`, glsa.dtd):
 * parsing and matching exactly as portage's own `portage.glsa` module (glsa-check) does.
 * A package version is affected by an advisory's <package> when the advisory applies to the
 * arch (`*` or the keyword in its space-separated list), the version matches one of its
 * <vulnerable> ranges and none of its <unaffected> ranges. Ranges: le lt eq gt ge compare
 * versions (PMS); rle rlt rge rgt compare only the revision within the same revision-less
 * version (portage's `revisionMatch`); a `slot` other than `*` restricts the range to it.
 */

export const RANGE_OPERATORS = ["le", "lt", "eq", "gt", "ge", "rle", "rlt", "rge", "rgt"] as const;
export type RangeOperator = (typeof RANGE_OPERATORS)[number];
export type GlsaRange = { range: RangeOperator; version: string; slot: string | null };
export type GlsaPackage = { name: string; arch: "*" | string[]; auto: boolean; vulnerable: GlsaRange[]; unaffected: GlsaRange[] };
export type Glsa = {
  id: string;
  title: string;
  synopsis: string;
  product: string;
  productType: string;
  /** the impact's type: high, normal, low */
  severity: string;
  access: string;
  announced: string;
  revised: string;
  revisedCount: number;
  bugs: string[];
  references: { text: string; link: string }[];
  packages: GlsaPackage[];
};

export class GlsaFormatError extends Error {}

/** How portage's makeVersion shows a range (`>=~1.2-r3`, `<2.0:3`). */
const SYMBOL: Record<RangeOperator, string> = { le: "<=", lt: "<", eq: "=", gt: ">", ge: ">=", rge: ">=~", rle: "<=~", rgt: ">~", rlt: "<~" };
const ARCH_LIST = /^\*$|^[-_a-z0-9 ]+$/;
const CP = /^[A-Za-z0-9_][A-Za-z0-9+_.-]*\/[A-Za-z0-9_][A-Za-z0-9+_-]*$/;
const DTDS = ["http://www.gentoo.org/dtd/glsa.dtd", "http://www.gentoo.org/dtd/glsa-2.dtd"];

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  isArray: (name) =>
    ["package", "vulnerable", "unaffected", "bug", "uri", "affected", "title", "synopsis", "product", "announced", "revised", "impact", "references"].includes(
      name,
    ),
});

/** An element's text with its children's, whitespace collapsed (portage's getText "strip"). */
function text(node: unknown): string {
  const walk = (n: unknown): string => {
    if (n === null || n === undefined) return "";
    if (typeof n === "string" || typeof n === "number" || typeof n === "boolean") return String(n);
    if (Array.isArray(n)) return n.map(walk).join(" ");
    return Object.entries(n as Node)
      .filter(([k]) => !k.startsWith("@"))
      .map(([, v]) => walk(v))
      .join(" ");
  };
  return walk(node).replace(/\s+/g, " ").trim();
}

function attr(node: unknown, name: string): string {
  if (!node || typeof node !== "object" || Array.isArray(node)) return "";
  const v = (node as Node)[`@${name}`];
  return typeof v === "string" ? v : "";
}

function one(root: Node, tag: string, id: string): unknown {
  const v = root[tag];
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) throw new GlsaFormatError(`GLSA ${id} has no <${tag}>`);
  return first;
}

function list(v: unknown): unknown[] {
  return (
    v === undefined ? []
    : Array.isArray(v) ? v
    : [v]
  );
}

function parseRange(pkg: string, node: unknown, id: string): GlsaRange {
  const range = attr(node, "range");
  if (!(RANGE_OPERATORS as readonly string[]).includes(range)) throw new GlsaFormatError(`GLSA ${id}: invalid range for ${pkg}: ${JSON.stringify(range)}`);
  const version = text(node);
  if (!isValidVersion(version)) throw new GlsaFormatError(`GLSA ${id}: invalid version for ${pkg}: ${JSON.stringify(version)}`);
  const slot = attr(node, "slot").trim();
  return { range: range as RangeOperator, version, slot: slot && slot !== "*" ? slot : null };
}

/**
 * Parses one GLSA file. `file` (its name, e.g. `glsa-202401-01.xml`) must agree with the
 * advisory's id, as portage requires. Throws GlsaFormatError naming what is wrong.
 */
export function parseGlsa(xml: string, file?: string): Glsa {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new GlsaFormatError(`not well-formed XML: line ${valid.err.line}: ${valid.err.msg}`);
  const doctype = /<!DOCTYPE\s+glsa\s+SYSTEM\s+["']([^"']+)["']/.exec(xml);
  if (!doctype) throw new GlsaFormatError("no glsa DOCTYPE");
  if (!DTDS.includes(doctype[1])) throw new GlsaFormatError(`wrong DOCTYPE: ${doctype[1]}`);
  const doc = parser.parse(xml) as Node;
  const root = doc.glsa as Node | undefined;
  if (!root || typeof root !== "object") throw new GlsaFormatError("no <glsa> element");
  const id = attr(root, "id");
  if (!/^\d{6}-\d{2,}$/.test(id)) throw new GlsaFormatError(`invalid GLSA id ${JSON.stringify(id)}`);
  if (file !== undefined) {
    const fromName = /^glsa-(.+)\.xml$/.exec(file.split("/").at(-1)!)?.[1];
    if (fromName !== id) throw new GlsaFormatError(`file name and internal id don't match: ${id} != ${fromName ?? file}`);
  }
  const revised = one(root, "revised", id);
  const count = attr(revised, "count");
  if (!count) throw new GlsaFormatError(`GLSA ${id}: count attribute is missing or blank in <revised>`);
  if (!/^\d+$/.test(count)) throw new GlsaFormatError(`GLSA ${id}: revised count is not an integer`);
  for (const tag of ["description", "workaround", "resolution"]) if (root[tag] === undefined) throw new GlsaFormatError(`GLSA ${id} has no <${tag}>`);
  const product = one(root, "product", id);
  const impact = one(root, "impact", id);
  const references = one(root, "references", id);
  const affected = one(root, "affected", id);
  const packages: GlsaPackage[] = [];
  for (const p of list((affected as Node)?.package)) {
    const name = attr(p, "name");
    if (!CP.test(name)) throw new GlsaFormatError(`GLSA ${id}: invalid package name: ${JSON.stringify(name)}`);
    const arch = attr(p, "arch");
    if (!ARCH_LIST.test(arch)) throw new GlsaFormatError(`GLSA ${id}: unrecognized arch list for ${name} (wrong delimiter?): ${JSON.stringify(arch)}`);
    packages.push({
      name,
      arch: arch === "*" ? "*" : arch.split(/\s+/).filter(Boolean),
      auto: attr(p, "auto") === "yes",
      vulnerable: list((p as Node).vulnerable).map((v) => parseRange(name, v, id)),
      unaffected: list((p as Node).unaffected).map((v) => parseRange(name, v, id)),
    });
  }
  return {
    id,
    title: text(one(root, "title", id)),
    synopsis: text(one(root, "synopsis", id)),
    product: text(product),
    productType: attr(product, "type"),
    severity: attr(impact, "type") || "normal",
    access: text(root.access),
    announced: text(one(root, "announced", id)),
    revised: text(revised),
    revisedCount: Number(count),
    bugs: list(root.bug).map(text).filter(Boolean),
    references: list((references as Node)?.uri).map((u) => ({ text: text(u), link: attr(u, "link") })),
    packages,
  };
}

/** A published (or installed) package: its version-revision and SLOT (`3.1/3.1.4` or `0`). */
export type Candidate = { version: string; slot: string };

function slotMatches(range: GlsaRange, slot: string) {
  if (range.slot === null) return true;
  // An atom's slot without a sub-slot matches the package's slot; with one, both.
  return range.slot.includes("/") ? range.slot === slot : range.slot === slot.split("/")[0];
}

/** Whether a version lies in a range (portage's glsa `match` with the range's atom). */
export function rangeMatches(range: GlsaRange, pkg: Candidate): boolean {
  if (!slotMatches(range, pkg.slot)) return false;
  if (range.range.startsWith("r")) {
    // revisionMatch: `~` (the same version, string-equal, any revision), then the revisions compared as integers.
    if (withoutRevision(pkg.version) !== withoutRevision(range.version)) return false;
    const a = BigInt(revisionOf(pkg.version));
    const b = BigInt(revisionOf(range.version));
    switch (range.range) {
      case "rle":
        return a <= b;
      case "rlt":
        return a < b;
      case "rge":
        return a >= b;
      default:
        return a > b;
    }
  }
  const d = vercmp(pkg.version, range.version);
  switch (range.range) {
    case "le":
      return d <= 0;
    case "lt":
      return d < 0;
    case "eq":
      return d === 0;
    case "ge":
      return d >= 0;
    default:
      return d > 0;
  }
}

export function archApplies(p: GlsaPackage, arch: string) {
  return p.arch === "*" || p.arch.includes(arch);
}

/** Affected: the arch applies, some vulnerable range matches and no unaffected range does. */
export function isAffected(p: GlsaPackage, arch: string, pkg: Candidate): boolean {
  return archApplies(p, arch) && p.vulnerable.some((r) => rangeMatches(r, pkg)) && !p.unaffected.some((r) => rangeMatches(r, pkg));
}

export function formatRange(r: GlsaRange) {
  return `${SYMBOL[r.range]}${r.version}${r.slot ? `:${r.slot}` : ""}`;
}

/**
 * What fixes an affected version: the lowest unaffected range of its slot above it
 * (`>=3.1.4:3.1`), or null when the advisory names none (no fix yet: remove the package).
 */
export function fixedBy(p: GlsaPackage, pkg: Candidate): string | null {
  const above = p.unaffected.filter((r) => !["le", "lt", "rle", "rlt"].includes(r.range) && vercmp(r.version, pkg.version) > 0);
  const sameSlot = above.filter((r) => slotMatches(r, pkg.slot));
  const fixes = (sameSlot.length ? sameSlot : above).sort((a, b) => vercmp(a.version, b.version));
  // the least upgrade, as glsa-check proposes
  return fixes.length ?
      fixes
        .filter((f) => vercmp(f.version, fixes[0].version) === 0)
        .map(formatRange)
        .join(" or ")
    : null;
}
