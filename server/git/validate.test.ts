import { describe, expect, it } from "vitest";
import { checkPuppetfile } from "./puppetfile";
import { puppetTemplate } from "./templates";
import { checkYaml, describeProblems, validateFile } from "./validate";

describe("hieradata YAML", () => {
  it("accepts hiera data and empty documents", () => {
    expect(validateFile("hieradata/common.yaml", "---\nntp::servers:\n  - pool.ntp.org\nclasses: [role::web]\n")).toEqual([]);
    expect(validateFile("hieradata/nodes/web1.yml", "---\n# nothing yet\n")).toEqual([]);
    expect(validateFile("hiera.yaml", puppetTemplate({ slug: "a", name: "A" }, [])["hiera.yaml"])).toEqual([]);
  });

  it("reports parse errors with line and column", () => {
    const problems = checkYaml("---\nntp::servers:\n  - pool.ntp.org\n bad: [unclosed\n");
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].line).toBe(4);
    expect(problems[0].column).toBeGreaterThan(0);
    const text = describeProblems("hieradata/common.yaml", validateFile("hieradata/common.yaml", "---\nkey: value\nother: : x\n"));
    expect(text).toBe("hieradata/common.yaml: line 3, column 8: Nested mappings are not allowed in compact mappings");
    expect(checkYaml("---\nntp::servers:\n  - a\n\tbad: 1\n")).toEqual([{ line: 4, column: 1, message: "Tabs are not allowed as indentation" }]);
  });

  it("refuses duplicate keys and data that is not a mapping", () => {
    const dup = validateFile("hieradata/common.yaml", "a: 1\nb: 2\na: 3\n");
    expect(dup[0]).toMatchObject({ line: 3 });
    expect(dup[0].message).toMatch(/unique/i);
    const list = validateFile("hieradata/common.yaml", "---\n- one\n- two\n");
    expect(list).toEqual([{ line: 2, column: 1, message: expect.stringMatching(/mapping/) }]);
  });

  it("leaves other files alone", () => {
    expect(validateFile("docs/notes.yaml", "key: [unclosed")).toEqual([]);
    expect(validateFile("README.md", "# : : [")).toEqual([]);
  });
});

describe("Puppetfile syntax check", () => {
  it("accepts the template and the r10k forms", () => {
    const template = puppetTemplate({ slug: "acme", name: "Acme" }, [
      { name: "role", url: "http://h/git/acme/role.git", ref: "develop", sha: "a".repeat(40) },
      { name: "profile", url: "http://h/git/acme/profile.git", ref: "develop", sha: "b".repeat(40) },
    ]).Puppetfile;
    expect(checkPuppetfile(template)).toEqual([]);
    const full = [
      "forge 'https://forgeapi.puppet.com' # the default forge",
      'moduledir "thirdparty"',
      "",
      "mod 'puppetlabs/stdlib', '9.4.1'",
      "mod 'puppetlabs-concat', :latest",
      "mod 'apache'",
      "mod 'ntp',",
      "  :git => 'https://github.com/example/ntp.git',",
      "  :tag => 'v1.2.3'",
      "mod 'firewall', git: 'https://github.com/example/fw.git', commit: 'abc123'",
      "mod('nginx', :git => \"https://h/nginx.git\", :ref => 'main')",
      "mod 'site', :local => true",
      "mod 'env', :git => 'https://h/env.git', :branch => :control_branch, :default_branch => 'develop'",
    ].join("\n");
    expect(checkPuppetfile(full)).toEqual([]);
  });

  it("reports a missing comma with the line of the option", () => {
    const p = ["mod 'role'", "  :git => 'https://h/role.git'"].join("\n");
    expect(checkPuppetfile(p)).toEqual([{ line: 2, column: 3, message: expect.stringMatching(/comma missing at the end of the previous line/) }]);
    expect(checkPuppetfile("mod 'role' :git => 'x'")[0]).toMatchObject({ line: 1, column: 12, message: expect.stringMatching(/expected a comma before :git/) });
  });

  it("reports unclosed strings, unknown directives and bad values", () => {
    expect(checkPuppetfile("forge 'https://x\nmod 'a'\n")[0]).toMatchObject({ line: 1, column: 7, message: expect.stringMatching(/not closed/) });
    expect(checkPuppetfile("\n\nmdo 'a'\n")[0]).toMatchObject({ line: 3, message: expect.stringMatching(/unknown directive "mdo"/) });
    expect(checkPuppetfile("mod 'a',\n  :git =>\n")[0]).toMatchObject({ line: 3, message: expect.stringMatching(/:git needs a quoted value/) });
    expect(checkPuppetfile("mod 'a', :git 'x'")[0].message).toMatch(/expected => after :git/);
    expect(checkPuppetfile("mod stdlib")[0].message).toMatch(/mod must be followed by a quoted string/);
    expect(checkPuppetfile("forge\n")[0]).toMatchObject({ line: 1, message: expect.stringMatching(/forge must be followed by a quoted string/) });
    expect(checkPuppetfile("mod 'a', 'x' ; \n")[0].message).toMatch(/unexpected character ";"/);
  });

  it("checks option names and combinations", () => {
    expect(checkPuppetfile("mod 'a', :git => 'u', :gti => 'x'")).toEqual([{ line: 1, column: 23, message: "unknown option :gti" }]);
    expect(checkPuppetfile("mod 'a', :git => 'u', :branch => 'b', :tag => 't'")[0].message).toMatch(/only one of :branch, :tag/);
    expect(checkPuppetfile("mod 'a', :branch => 'b'")[0].message).toMatch(/:branch needs :git/);
    expect(checkPuppetfile("mod 'a', '1.x'")[0].message).toMatch(/not a module version/);
    expect(checkPuppetfile("mod 'a', :git => 'u', :git => 'v'")[0].message).toMatch(/given twice/);
    expect(checkPuppetfile("mod 'a b'")[0].message).toMatch(/not a module name/);
  });

  it("refuses the same module twice, naming the first line", () => {
    expect(checkPuppetfile("mod 'puppetlabs/stdlib', '9.0.0'\n\nmod 'other-stdlib', '1.0.0'\n")).toEqual([
      { line: 3, column: 5, message: "module stdlib is already declared on line 1" },
    ]);
  });

  it("is what validateFile uses for Puppetfile", () => {
    expect(validateFile("Puppetfile", "mod 'a'\n  :git => 'x'")).toHaveLength(1);
    expect(validateFile("modules/Puppetfile", "junk junk")).toEqual([]);
  });
});
