import { describe, expect, it } from "vitest";
import { loadProfileSet } from "./profiles";
import { buildProfilesTemplate } from "./template";

const files = (set: Record<string, string>) => Object.entries(set).map(([path, text]) => ({ path, text }));

describe("build profiles", () => {
  it("resolves the template: linux ← ruby ← rails and the rails stack", () => {
    const set = loadProfileSet(files(buildProfilesTemplate()));
    expect(set.errors).toEqual([]);
    const rails = set.profiles.get("rails")!;
    expect(rails.kind).toBe("application");
    expect(rails.parents).toEqual(["ruby", "linux"]);
    expect(rails.system).toBe("linux");
    expect(rails.portageProfile).toBe("default/linux/amd64/23.0");
    expect(rails.packages).toEqual(["dev-ruby/rails", "dev-db/postgresql", "www-servers/nginx"]);
    expect(rails.allPackages.slice(0, 2)).toEqual(["@system", "app-admin/sudo"]);
    expect(rails.allPackages).toContain("dev-lang/ruby:3.3");
    expect(rails.make.RUBY_TARGETS).toBe("ruby33");
    expect(rails.make.FEATURES).toBe("buildpkg binpkg-multi-instance -news");
    expect(rails.use).toEqual({ "app-editors/vim": ["-X", "minimal"], "dev-lang/ruby": ["jemalloc", "-tk"], "dev-db/postgresql": ["-server"] });
    expect(rails.acceptKeywords).toEqual({ "=dev-ruby/rails-7.2*": ["~amd64"] });
    expect(set.stacks.get("rails-stack")!.profiles).toEqual(["linux", "ruby", "rails"]);
  });

  it("a child's make.conf values and package.use override its parent's", () => {
    const set = loadProfileSet(
      files({
        "profiles/base.yaml":
          "kind: system\nportageProfile: default/linux/amd64/23.0\narchitectures: [amd64]\nmake:\n  USE: ssl\nuse:\n  dev-lang/php: -curl\n",
        "profiles/php.yaml": "kind: application\ninherits: base\nmake:\n  USE: ssl curl\nuse:\n  dev-lang/php: curl\n",
      }),
    );
    expect(set.errors).toEqual([]);
    expect(set.profiles.get("php")!.make.USE).toBe("ssl curl");
    expect(set.profiles.get("php")!.use).toEqual({ "dev-lang/php": ["curl"] });
    expect(set.profiles.get("base")!.make.USE).toBe("ssl");
  });

  it("reports YAML syntax errors with file, line and column", () => {
    const set = loadProfileSet(files({ "profiles/bad.yaml": "kind: system\nmake:\n  USE: [unclosed\n" }));
    expect(set.profiles.size).toBe(0);
    expect(set.errors).toHaveLength(1);
    expect(set.errors[0]).toMatchObject({ file: "profiles/bad.yaml" });
    expect(set.errors[0].line).toBeGreaterThanOrEqual(3);
  });

  it("takes a portage profile of the tree or of the overlay (rookery:…), and refuses other repositories and .. paths", () => {
    const sys = (p: string) => `kind: system\nportageProfile: ${p}\narchitectures: [amd64]\n`;
    const set = loadProfileSet(
      files({
        "profiles/a.yaml": sys("rookery:rookery/amd64/server"),
        "profiles/b.yaml": sys("gentoo:default/linux/amd64/23.0"),
        "profiles/c.yaml": sys("other:default/linux/amd64/23.0"),
        "profiles/d.yaml": sys("rookery:../../etc"),
      }),
    );
    expect([...set.profiles.keys()].sort()).toEqual(["a", "b"]);
    expect(set.errors.map((e) => [e.file, e.message.split(",")[0]])).toEqual([
      ["profiles/c.yaml", "portageProfile: Expected a portage profile path such as default/linux/amd64/23.0"],
      ["profiles/d.yaml", "portageProfile: Expected a portage profile path such as default/linux/amd64/23.0"],
    ]);
  });

  it("reports schema errors at the offending value, naming the key", () => {
    const set = loadProfileSet(
      files({
        "profiles/x.yaml": "kind: system\nportageProfile: default/linux/amd64/23.0\narchitectures: [amd64]\npackages:\n  - app-editors/vim\n  - not an atom\n",
        "profiles/y.yaml": "kind: application\ninherits: x\ncolour: blue\n",
        "profiles/z.yaml": "kind: desktop\n",
      }),
    );
    expect(set.errors).toEqual([
      { file: "profiles/x.yaml", line: 6, column: 5, message: "packages.1: Expected a package atom (app-editors/vim) or a set (@system)" },
      { file: "profiles/y.yaml", line: 3, column: 1, message: "unknown key colour" },
      { file: "profiles/z.yaml", line: 1, column: 7, message: 'kind: kind must be "system" or "application"' },
    ]);
  });

  it("rejects inheritance cycles and unknown parents, naming the chain", () => {
    const set = loadProfileSet(
      files({
        "profiles/base.yaml": "kind: system\nportageProfile: default/linux/amd64/23.0\narchitectures: [amd64]\n",
        "profiles/a.yaml": "kind: application\ninherits: b\n",
        "profiles/b.yaml": "kind: application\ninherits: a\n",
        "profiles/orphan.yaml": "description: lost\nkind: application\ninherits: nowhere\n",
        "profiles/child.yaml": "kind: application\ninherits: orphan\n",
      }),
    );
    expect([...set.profiles.keys()]).toEqual(["base"]);
    expect(set.errors).toEqual([
      { file: "profiles/a.yaml", line: 2, column: 1, message: "inheritance cycle: a → b → a" },
      { file: "profiles/b.yaml", line: 2, column: 1, message: "inheritance cycle: b → a → b" },
      { file: "profiles/child.yaml", line: 2, column: 1, message: "unknown parent profile nowhere (child → orphan → nowhere)" },
      { file: "profiles/orphan.yaml", line: 3, column: 1, message: "unknown parent profile nowhere (orphan → nowhere)" },
    ]);
  });

  it("checks stacks: a system profile and applications based on it", () => {
    const tpl = buildProfilesTemplate();
    const set = loadProfileSet(
      files({
        ...tpl,
        "profiles/other.yaml": "kind: system\nportageProfile: default/linux/arm64/23.0\narchitectures: [arm64]\n",
        "stacks/wrong.yaml": "system: ruby\napplications: [rails]\n",
        "stacks/mixed.yaml": "system: other\napplications:\n  - rails\n",
        "stacks/typo.yaml": "system: linux\napplications: [rubyy]\n",
      }),
    );
    expect(set.errors).toEqual([
      { file: "stacks/mixed.yaml", line: 2, column: 1, message: "rails is based on linux, not on the stack's system other" },
      { file: "stacks/typo.yaml", line: 2, column: 1, message: "unknown application profile rubyy" },
      { file: "stacks/wrong.yaml", line: 1, column: 1, message: "ruby is an application profile; a stack's system must be a system profile" },
    ]);
    expect([...set.stacks.keys()]).toEqual(["rails-stack"]);
  });
});
