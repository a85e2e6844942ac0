import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { portageMissing, portageSource } from "@/test/support/portage";
import { InvalidVersionError, isValidVersion, parseVersion, revisionOf, vercmp, withoutRevision } from "./vercmp";

const skip = portageMissing();

/** A deterministic generator (mulberry32), so every run compares the same pairs. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Versions that hit every rule: leading zeros, trailing zeros, letters, stacked suffixes with and without numbers, -r0. */
function generateVersion(r: () => number) {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const component = () => pick(["0", "1", "2", "9", "10", "01", "010", "001", "00", "1000", "02", "20", "12345678901234567890"]);
  const numbers = [pick(["0", "1", "2", "01", "10", "3"])];
  const more = Math.floor(r() * 4);
  for (let i = 0; i < more; i++) numbers.push(component());
  let v = numbers.join(".");
  if (r() < 0.25) v += pick(["a", "b", "z"]);
  const suffixes = r() < 0.5 ? Math.floor(r() * 3) : 0;
  for (let i = 0; i < suffixes; i++) v += `_${pick(["alpha", "beta", "pre", "rc", "p"])}${pick(["", "", "0", "1", "2", "10", "01"])}`;
  if (r() < 0.4) v += `-r${pick(["0", "1", "2", "10", "00", "01"])}`;
  return v;
}

describe("vercmp (PMS version comparison)", () => {
  it("orders PMS's and portage's own examples", () => {
    // PMS "Version comparison" and portage's versions tests
    const less: [string, string][] = [
      ["1.0_alpha", "1.0"],
      ["1.0_alpha1", "1.0_beta"],
      ["1.0_beta", "1.0_pre"],
      ["1.0_pre", "1.0_rc"],
      ["1.0_rc", "1.0"],
      ["1.0", "1.0_p"],
      ["1.0_p", "1.0_p1"],
      ["1.0-r1", "1.0-r2"],
      ["1.0", "1.0a"],
      ["1.0a", "1.0.1"],
      ["1.0", "1.0.0"],
      ["1.01", "1.1"],
      ["1.001", "1.01"],
      ["1.0_alpha_p", "1.0_alpha".concat("_p1")],
      ["1.0_rc1_alpha", "1.0_rc1"],
      ["1.0_rc1", "1.0_rc1_p"],
      ["1.0-r1", "1.0_p1"],
      ["1.0-r9", "1.0-r10"],
      ["2", "10"],
      ["1.2", "1.10"],
      ["1.09", "1.1"],
      ["12.2b", "12.2.5"],
      ["4.0.1", "4.1"],
      ["1.0_p9", "1.0_p10"],
      ["0.9", "1.0"],
      ["1_alpha", "1_alpha1"],
      ["20240101", "20240102"],
      ["1.12345678901234567890", "1.12345678901234567891"],
    ];
    for (const [a, b] of less) {
      expect(vercmp(a, b), `${a} < ${b}`).toBe(-1);
      expect(vercmp(b, a), `${b} > ${a}`).toBe(1);
    }
    const equal: [string, string][] = [
      ["1.0", "1.0-r0"],
      ["1.0-r0", "1.0-r00"],
      ["1.0_p", "1.0_p0"],
      ["1.0_alpha", "1.0_alpha0"],
      ["1.0", "1.00"],
      ["01.0", "1.0"],
      ["1.010", "1.01"],
      ["1.0_p01", "1.0_p1"],
    ];
    for (const [a, b] of equal) expect(vercmp(a, b), `${a} = ${b}`).toBe(0);
    const sorted = ["1.0", "1.0_alpha1", "1.0_rc2", "1.0_p1", "1.0-r1", "1.0a", "1.01", "1.1", "1.0.1", "0.9", "1.0_beta", "1.10"].sort(vercmp);
    expect(sorted).toEqual(["0.9", "1.0_alpha1", "1.0_beta", "1.0_rc2", "1.0", "1.0-r1", "1.0_p1", "1.0a", "1.0.1", "1.01", "1.1", "1.10"]);
  });

  it("refuses what is not a version, and splits revisions", () => {
    for (const bad of ["", "1.", ".1", "1..2", "1.0-r", "1.0_gamma", "1.0ab", "1.0-r1-r2", "v1", "1.0_p-1", "1.0A"]) {
      expect(isValidVersion(bad), bad).toBe(false);
      expect(() => vercmp(bad, "1"), bad).toThrow(InvalidVersionError);
    }
    expect(parseVersion("1.02b_alpha3_p-r4")).toEqual({
      numbers: ["1", "02"],
      letter: "b",
      suffixes: [
        { kind: "alpha", number: "3" },
        { kind: "p", number: "" },
      ],
      revision: "4",
    });
    expect(withoutRevision("1.2_p3-r4")).toBe("1.2_p3");
    expect(revisionOf("1.2_p3-r4")).toBe("4");
    expect(revisionOf("1.2")).toBe("0");
  });

  it.skipIf(skip)(
    "agrees with real portage's vercmp on 5,000 generated pairs",
    () => {
      const r = random(20261207);
      const pairs: [string, string][] = [];
      for (let i = 0; i < 5000; i++) {
        const a = generateVersion(r);
        // Every fourth pair shares a prefix so the deeper rules (suffixes, revisions) decide.
        const b = i % 4 === 0 ? a.replace(/(-r\d+)?$/, "") + generateVersion(r).replace(/^[\d.]+[a-z]?/, "") : generateVersion(r);
        pairs.push([a, isValidVersion(b) ? b : a]);
      }
      const script = [
        "import sys",
        "from portage.versions import vercmp",
        "for line in sys.stdin:",
        "    a, b = line.split()",
        "    r = vercmp(a, b)",
        "    print('x' if r is None else (r > 0) - (r < 0))",
      ].join("\n");
      const out = execFileSync("python3", ["-c", script], {
        input: pairs.map((p) => p.join(" ")).join("\n") + "\n",
        env: { ...process.env, PYTHONPATH: path.join(portageSource(), "lib") },
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
      })
        .trim()
        .split("\n");
      expect(out).toHaveLength(pairs.length);
      const disagreements = pairs.map(([a, b], i) => ({ a, b, portage: out[i], ours: String(vercmp(a, b)) })).filter((d) => d.portage !== d.ours);
      expect(disagreements.slice(0, 10)).toEqual([]);
      // the generator covers the interesting cases
      expect(new Set(out)).toEqual(new Set(["-1", "0", "1"]));
      expect(out.filter((o) => o === "0").length).toBeGreaterThan(50);
    },
    60_000,
  );
});
