import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { portageMissing, portageSource } from "@/test/support/portage";
import { isValidVersion, withoutRevision } from "./vercmp";
import { fixedBy, formatRange, GlsaFormatError, isAffected, parseGlsa, rangeMatches, type GlsaPackage, type GlsaRange } from "./glsa";
import { matchPublications, parseGlsaFiles } from "./glsa-scan";
import type { LivePublication } from "./binhost";

const skip = portageMissing();
const fixtures = path.resolve(import.meta.dirname, "../../test/fixtures/glsa");
const read = (name: string) => fs.readFileSync(path.join(fixtures, name), "utf8");

const pub = (over: Partial<LivePublication>): LivePublication => ({
  id: "00000000-0000-4000-8000-000000000001",
  environment: "production",
  arch: "amd64",
  profile: "linux",
  dir: "x",
  number: 1,
  notes: "",
  jobId: null,
  packageCount: 0,
  bytes: 0,
  inherited: 0,
  signingKey: null,
  createdAt: new Date(),
  supersededAt: null,
  removedAt: null,
  ...over,
});

describe("GLSA parsing", () => {
  it("reads real advisories: id, texts, severity, bugs, references and the affected packages with slots and arches", () => {
    const ruby = parseGlsa(read("glsa-202401-01.xml"), "glsa-202401-01.xml");
    expect(ruby).toMatchObject({
      id: "202401-01",
      title: "Ruby: Multiple Vulnerabilities",
      product: "ruby",
      productType: "ebuild",
      severity: "high",
      access: "remote",
      announced: "2024-01-05",
      revised: "2024-01-05",
      revisedCount: 1,
      bugs: ["880223", "884473"],
    });
    expect(ruby.synopsis).toMatch(/^Multiple vulnerabilities have been discovered in Ruby/);
    expect(ruby.references[0]).toEqual({ text: "CVE-2021-33621", link: "https://nvd.nist.gov/vuln/detail/CVE-2021-33621" });
    expect(ruby.packages).toEqual([
      {
        name: "dev-lang/ruby",
        arch: "*",
        auto: true,
        unaffected: [
          { range: "ge", version: "3.1.4", slot: "3.1" },
          { range: "ge", version: "3.2.2", slot: "3.2" },
        ],
        vulnerable: [
          { range: "lt", version: "3.1.4", slot: "3.1" },
          { range: "lt", version: "3.2.2", slot: "3.2" },
        ],
      },
    ]);
    const multi = parseGlsa(read("glsa-201412-08.xml"), "glsa-201412-08.xml");
    expect(multi.severity).toBe("normal");
    expect(multi.synopsis).not.toMatch(/\n|\s{2}/);
    expect(multi.packages.map((p) => [p.name, p.arch])).toEqual([
      ["dev-util/insight", "*"],
      ["dev-perl/perl-tk", "*"],
      ["dev-util/cvs", ["amd64", "x86"]],
      ["x11-libs/vte", "*"],
      ["net-misc/suite3270", ["ppc", "sparc"]],
    ]);
    expect(multi.packages[3].unaffected).toContainEqual({ range: "rge", version: "0.28.0-r2", slot: null });
  });

  it("refuses malformed advisories with a reason, and parseGlsaFiles skips them", () => {
    const good = read("glsa-202405-29.xml");
    const bad: [string, string, RegExp][] = [
      ["glsa-202405-29.xml", good.replace("</affected>", ""), /not well-formed XML: line \d+/],
      ["glsa-202405-29.xml", good.replace(/<!DOCTYPE[^>]*>/, ""), /no glsa DOCTYPE/],
      ["glsa-202405-29.xml", good.replace("glsa.dtd", "other.dtd"), /wrong DOCTYPE/],
      ["glsa-202405-30.xml", good, /file name and internal id don't match: 202405-29 != 202405-30/],
      ["glsa-202405-29.xml", good.replace('range="ge" slot="0">16.20.2', 'range="gte" slot="0">16.20.2'), /invalid range for net-libs\/nodejs: "gte"/],
      ["glsa-202405-29.xml", good.replace(">18.17.1</vulnerable>", ">18.17.1b2</vulnerable>"), /invalid version for net-libs\/nodejs: "18.17.1b2"/],
      ["glsa-202405-29.xml", good.replace('arch="*"', 'arch="amd64,x86"'), /unrecognized arch list/],
      ["glsa-202405-29.xml", good.replace('name="net-libs/nodejs"', 'name="&gt;=net-libs/nodejs-1"'), /invalid package name/],
      ["glsa-202405-29.xml", good.replace('count="1"', ""), /count attribute is missing/],
      ["glsa-202405-29.xml", good.replace(/<workaround>[\s\S]*<\/workaround>/, ""), /has no <workaround>/],
    ];
    for (const [name, xml, why] of bad) expect(() => parseGlsa(xml, name), String(why)).toThrow(why);
    expect(() => parseGlsa("<glsa", "glsa-1.xml")).toThrow(GlsaFormatError);

    const { glsas, errors } = parseGlsaFiles([
      { path: "metadata/glsa/glsa-202401-01.xml", text: read("glsa-202401-01.xml") },
      { path: "metadata/glsa/glsa-202405-29.xml", text: good.replace("</affected>", "") },
      { path: "metadata/glsa/index.xml", text: "not an advisory" },
      { path: "metadata/glsa/glsa-202405-29x.xml", text: good },
    ]);
    expect(glsas.map((g) => g.id)).toEqual(["202401-01"]);
    expect(errors.map((e) => e.file)).toEqual(["metadata/glsa/glsa-202405-29.xml", "metadata/glsa/glsa-202405-29x.xml"]);
  });
});

describe("GLSA matching (portage's glsa rules)", () => {
  const r = (range: GlsaRange["range"], version: string, slot: string | null = null): GlsaRange => ({ range, version, slot });
  const at = (version: string, slot = "0") => ({ version, slot });

  it("applies every range operator, the revision ranges within one version only", () => {
    expect(rangeMatches(r("lt", "1.2"), at("1.1.9"))).toBe(true);
    expect(rangeMatches(r("lt", "1.2"), at("1.2"))).toBe(false);
    expect(rangeMatches(r("lt", "1.2"), at("1.2_rc1"))).toBe(true);
    expect(rangeMatches(r("le", "1.2"), at("1.2-r0"))).toBe(true);
    expect(rangeMatches(r("le", "1.2"), at("1.2-r1"))).toBe(false);
    expect(rangeMatches(r("eq", "1.2"), at("1.2-r0"))).toBe(true);
    expect(rangeMatches(r("eq", "1.2"), at("1.2-r1"))).toBe(false);
    expect(rangeMatches(r("gt", "1.2"), at("1.2_p1"))).toBe(true);
    expect(rangeMatches(r("gt", "1.2"), at("1.2"))).toBe(false);
    expect(rangeMatches(r("ge", "1.2"), at("1.2"))).toBe(true);
    expect(rangeMatches(r("ge", "1.2"), at("1.1"))).toBe(false);
    // r*: the same version (without revision), the revision compared
    expect(rangeMatches(r("rge", "0.28.0-r2"), at("0.28.0-r3"))).toBe(true);
    expect(rangeMatches(r("rge", "0.28.0-r2"), at("0.28.0-r2"))).toBe(true);
    expect(rangeMatches(r("rge", "0.28.0-r2"), at("0.28.0-r1"))).toBe(false);
    expect(rangeMatches(r("rge", "0.28.0-r2"), at("0.28.1"))).toBe(false);
    expect(rangeMatches(r("rgt", "0.28.0-r2"), at("0.28.0-r2"))).toBe(false);
    expect(rangeMatches(r("rgt", "0.28.0-r2"), at("0.28.0-r10"))).toBe(true);
    expect(rangeMatches(r("rle", "2.0-r1"), at("2.0"))).toBe(true);
    expect(rangeMatches(r("rle", "2.0-r1"), at("1.9"))).toBe(false);
    expect(rangeMatches(r("rlt", "2.0-r1"), at("2.0-r1"))).toBe(false);
    expect(rangeMatches(r("rlt", "2.0-r1"), at("2.0-r0"))).toBe(true);
    // `~` is string-equal on the version part, as in portage's match_from_list
    expect(rangeMatches(r("rge", "2.0-r1"), at("2.00-r3"))).toBe(false);
    expect(formatRange(r("rge", "0.28.0-r2", "2.90"))).toBe(">=~0.28.0-r2:2.90");
  });

  it("restricts ranges to their slot (sub-slots ignored unless named) and packages to their arches", () => {
    expect(rangeMatches(r("lt", "3.1.4", "3.1"), at("3.1.2", "3.1/3.1.0"))).toBe(true);
    expect(rangeMatches(r("lt", "3.1.4", "3.1"), at("3.0.9", "3.0/3.0.0"))).toBe(false);
    expect(rangeMatches(r("lt", "3.1.4", "3.1/3.1.0"), at("3.1.2", "3.1/3.1.1"))).toBe(false);
    const ruby = parseGlsa(read("glsa-202401-01.xml"), "glsa-202401-01.xml").packages[0];
    expect(isAffected(ruby, "amd64", at("3.1.3", "3.1/3.1.0"))).toBe(true);
    expect(isAffected(ruby, "amd64", at("3.1.4", "3.1/3.1.0"))).toBe(false);
    expect(isAffected(ruby, "amd64", at("3.2.1", "3.2/3.2.0"))).toBe(true);
    expect(isAffected(ruby, "amd64", at("3.3.6", "3.3/3.3.0"))).toBe(false);
    expect(fixedBy(ruby, at("3.1.3", "3.1/3.1.0"))).toBe(">=3.1.4:3.1");
    const multi = parseGlsa(read("glsa-201412-08.xml"), "glsa-201412-08.xml").packages;
    const cvs = multi.find((p) => p.name === "dev-util/cvs")!;
    expect(isAffected(cvs, "amd64", at("1.12.12-r5"))).toBe(true);
    expect(isAffected(cvs, "arm64", at("1.12.12-r5"))).toBe(false);
    expect(isAffected(cvs, "amd64", at("1.12.12-r6"))).toBe(false);
    // vulnerable below 0.28.0-r2, but the 0.24 branch is fixed from 0.24.3-r2 on
    const vte = multi.find((p) => p.name === "x11-libs/vte")!;
    expect(isAffected(vte, "amd64", at("0.24.3-r1"))).toBe(true);
    expect(isAffected(vte, "amd64", at("0.24.3-r2"))).toBe(false);
    expect(fixedBy(vte, at("0.24.3-r1"))).toBe(">=0.24.3-r2");
    // portage's rule: any unaffected range wins, so ">=0.24.3-r2" also covers 0.26.2 and 0.28.0-r1
    expect(isAffected(vte, "amd64", at("0.26.2"))).toBe(false);
    expect(isAffected(vte, "amd64", at("0.23.1"))).toBe(true);
    const rev: GlsaPackage = { name: "a/b", arch: "*", auto: true, vulnerable: [r("rlt", "2.4-r3")], unaffected: [r("rge", "2.4-r3"), r("ge", "2.5")] };
    expect(isAffected(rev, "amd64", at("2.4-r1"))).toBe(true);
    expect(isAffected(rev, "amd64", at("2.3"))).toBe(false);
    expect(fixedBy(rev, at("2.4-r1"))).toBe(">=~2.4-r3");
    const noFix: GlsaPackage = { name: "a/b", arch: "*", auto: true, vulnerable: [r("ge", "0")], unaffected: [] };
    expect(isAffected(noFix, "amd64", at("5"))).toBe(true);
    expect(fixedBy(noFix, at("5"))).toBeNull();
  });

  it("matches a published index: per package, slot and arch", () => {
    const glsas = ["glsa-202401-01.xml", "glsa-202405-29.xml", "glsa-201412-08.xml"].map((f) => parseGlsa(read(f), f));
    const packages = [
      { cpv: "dev-lang/ruby-3.1.3", slot: "3.1/3.1.0" },
      { cpv: "dev-lang/ruby-3.2.2", slot: "3.2/3.2.0" },
      { cpv: "net-libs/nodejs-16.20.1", slot: "0/16" },
      { cpv: "dev-util/cvs-1.12.12-r4", slot: "0" },
      { cpv: "net-misc/suite3270-3.3.9", slot: "0" },
      { cpv: "sys-libs/zlib-1.3.1", slot: "0/1" },
    ];
    const found = matchPublications(glsas, [
      { publication: pub({}), packages },
      { publication: pub({ id: "00000000-0000-4000-8000-000000000002", arch: "arm64" }), packages },
    ]);
    expect(found.map((m) => [m.glsa.id, m.publication.arch, m.cpv, m.fixedBy])).toEqual([
      ["202401-01", "amd64", "dev-lang/ruby-3.1.3", ">=3.1.4:3.1"],
      ["202405-29", "amd64", "net-libs/nodejs-16.20.1", ">=16.20.2:0"],
      ["201412-08", "amd64", "dev-util/cvs-1.12.12-r4", ">=1.12.12-r6"],
      ["202401-01", "arm64", "dev-lang/ruby-3.1.3", ">=3.1.4:3.1"],
      ["202405-29", "arm64", "net-libs/nodejs-16.20.1", ">=16.20.2:0"],
    ]);
  });

  it("scans 800 advisories against 20 published indexes of 2,000 packages in under 5 s", () => {
    const template = read("glsa-202405-29.xml");
    const started = performance.now();
    const files = Array.from({ length: 800 }, (_, i) => {
      const id = `2024${String(1 + (i % 12)).padStart(2, "0")}-${String(i).padStart(3, "0")}`;
      const xml = template
        .replace('id="202405-29"', `id="${id}"`)
        .replaceAll("net-libs/nodejs", `cat-${i % 40}/pkg-${i}`)
        .replace(/<unaffected range="ge" slot="0">16.20.2<\/unaffected>/, `<unaffected range="rge" slot="0">${i % 7}.0-r2</unaffected>`);
      return { path: `metadata/glsa/glsa-${id}.xml`, text: xml };
    });
    const { glsas, errors } = parseGlsaFiles(files);
    expect(errors).toEqual([]);
    const publications = Array.from({ length: 20 }, (_, p) => ({
      publication: pub({ id: `00000000-0000-4000-8000-${String(p).padStart(12, "0")}`, profile: `p${p}` }),
      packages: Array.from({ length: 2000 }, (_, k) => ({ cpv: `cat-${k % 40}/pkg-${k}-${(k + p) % 25}.${k % 3}_p${k % 2}-r${k % 4}`, slot: "0" })),
    }));
    const found = matchPublications(glsas, publications);
    const elapsed = performance.now() - started;
    expect(glsas).toHaveLength(800);
    expect(found.length).toBeGreaterThan(1000);
    expect(elapsed).toBeLessThan(5000);
  });

  it.skipIf(skip)(
    "decides like portage's own glsa module on every fixture and an advisory using every operator and slots",
    () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-glsa-portage-"));
      try {
        const template = read("glsa-202401-01.xml");
        const every = template
          .replace('id="202401-01"', 'id="209901-01"')
          .replace(
            /<package name="dev-lang\/ruby"[\s\S]*?<\/package>/,
            [
              '<package name="dev-lang/ruby" auto="yes" arch="*">',
              '<unaffected range="ge" slot="3.1">3.1.4</unaffected><unaffected range="rge">3.2.2-r2</unaffected><unaffected range="gt">3.3</unaffected>',
              '<unaffected range="eq" slot="*">3.0.7_p1</unaffected>',
              '<vulnerable range="lt" slot="3.1">3.1.4</vulnerable><vulnerable range="rlt">3.2.2-r2</vulnerable><vulnerable range="le">3.3</vulnerable>',
              "</package>",
              '<package name="app-misc/every" auto="no" arch="amd64 arm64">',
              '<unaffected range="rgt">1.0-r1</unaffected><unaffected range="ge">2.0_rc1</unaffected>',
              '<vulnerable range="rle">1.0-r1</vulnerable><vulnerable range="gt">1.0</vulnerable><vulnerable range="eq">0.9b</vulnerable>',
              "</package>",
            ].join("\n"),
          );
        const sources = { ...Object.fromEntries(fs.readdirSync(fixtures).map((f) => [f, read(f)])), "glsa-209901-01.xml": every };
        for (const [f, text] of Object.entries(sources)) fs.writeFileSync(path.join(dir, f), text);
        const glsas = Object.entries(sources).map(([f, text]) => parseGlsa(text, f));
        // candidates around every version an advisory names, in each slot it names
        const cases: { file: string; name: string; index: number; arch: string; cpv: string; slot: string; ours: boolean }[] = [];
        for (const [i, g] of glsas.entries()) {
          const file = path.join(dir, Object.keys(sources)[i]);
          for (const [index, p] of g.packages.entries()) {
            const ranges = [...p.vulnerable, ...p.unaffected];
            const versions = new Set<string>(["0.1", "999"]);
            for (const r of ranges) {
              const base = withoutRevision(r.version);
              for (const v of [r.version, base, `${base}-r1`, `${base}-r2`, `${base}-r3`, `${base}-r10`, `${base}_p1`, `${base}_rc1`, `${base}.1`, `${base}a`])
                if (isValidVersion(v)) versions.add(v);
            }
            const slots = new Set(["0", ...ranges.map((r) => r.slot ?? "0").map((x) => `${x}/${x}`)]);
            for (const arch of ["amd64", "arm64", "ppc"])
              for (const v of versions)
                for (const slot of slots)
                  cases.push({ file, name: p.name, index, arch, cpv: `${p.name}-${v}`, slot, ours: isAffected(p, arch, { version: v, slot }) });
          }
        }
        const script = [
          "import sys, json",
          "from portage.glsa import Glsa, match",
          "from portage.versions import _pkg_str",
          "from portage.dep import match_from_list, Atom",
          "class DB:",
          "    def __init__(self, pkgs): self.pkgs = pkgs",
          "    def match(self, atom): return match_from_list(Atom(atom), self.pkgs)",
          "cache = {}",
          "for line in sys.stdin:",
          "    c = json.loads(line)",
          "    if c['file'] not in cache:",
          "        g = Glsa.__new__(Glsa); g.type = 'file'; g.nr = c['file']; g.config = {}",
          "        with open(c['file'], 'rb') as f: g.parse(f)",
          "        cache[c['file']] = g",
          "    path = cache[c['file']].packages[c['name']][c['index']] if c['index'] < len(cache[c['file']].packages[c['name']]) else None",
          "    db = DB([_pkg_str(c['cpv'], slot=c['slot'])])",
          "    applies = path['arch'] == '*' or c['arch'] in path['arch'].split()",
          "    vul = set(x for a in path['vul_atoms'] for x in match(a, db))",
          "    unaff = set(x for a in path['unaff_atoms'] for x in match(a, db))",
          "    print(1 if applies and (vul - unaff) else 0)",
        ].join("\n");
        // portage groups an advisory's <package>s by name, in document order
        // (it cannot read a slotted r* range: pkgsplit fails on "1.0-r1:3", hence none above)
        const lines = cases.map((c) => {
          const g = glsas[Object.keys(sources).indexOf(path.basename(c.file))];
          const sameName = g.packages.slice(0, c.index).filter((p) => p.name === c.name).length;
          return JSON.stringify({ file: c.file, name: c.name, index: sameName, arch: c.arch, cpv: c.cpv, slot: c.slot });
        });
        const out = execFileSync("python3", ["-c", script], {
          input: lines.join("\n") + "\n",
          env: { ...process.env, PYTHONPATH: path.join(portageSource(), "lib") },
          encoding: "utf8",
          maxBuffer: 16 * 1024 * 1024,
        })
          .trim()
          .split("\n");
        expect(out).toHaveLength(cases.length);
        const differ = cases.filter((c, i) => (out[i] === "1") !== c.ours).map((c) => `${c.name} ${c.cpv}:${c.slot} ${c.arch}: ours ${c.ours}`);
        expect(differ.slice(0, 10)).toEqual([]);
        expect(cases.length).toBeGreaterThan(500);
        expect(cases.filter((c) => c.ours).length).toBeGreaterThan(50);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
