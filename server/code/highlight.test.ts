import { describe, expect, it } from "vitest";
import { highlight, highlightLimits, languageFor } from "./highlight";

describe("syntax highlighting", () => {
  it("picks a grammar from the file name", () => {
    expect(languageFor("hieradata/common.yaml")).toBe("yaml");
    expect(languageFor("Puppetfile")).toBe("ruby");
    expect(languageFor("manifests/site.pp")).toBe("puppet");
    expect(languageFor("README.md")).toBe("md");
    expect(languageFor("environment.conf")).toBe("ini");
    expect(languageFor("hieradata/nodes/.keep")).toBeNull();
    expect(languageFor("blob.unknownext")).toBeNull();
  });

  it("returns one token line per source line with light and dark colours", async () => {
    const lines = (await highlight("---\nntp::servers:\n  - pool.ntp.org # main\n", "common.yaml"))!;
    expect(lines).toHaveLength(4);
    expect(lines[1].map((t) => t.text).join("")).toBe("ntp::servers:");
    const key = lines[1][0];
    expect(key.color).toMatch(/^#[0-9A-Fa-f]{6}/);
    expect(key.dark).toMatch(/^#[0-9A-Fa-f]{6}/);
    expect(key.color).not.toBe(key.dark);
    expect(lines[2].some((t) => t.text.includes("# main") && t.color !== key.color)).toBe(true);
    const pp = (await highlight("node default {\n  include role::base\n}\n", "site.pp"))!;
    expect(new Set(pp[0].map((t) => t.color)).size).toBeGreaterThan(1);
  });

  it("leaves unknown and very large files plain", async () => {
    expect(await highlight("x", "notes.unknownext")).toBeNull();
    expect(await highlight("a: 1\n".repeat(highlightLimits.maxLines + 1), "big.yaml")).toBeNull();
  });
});
