import { describe, expect, it } from "vitest";
import { parseTinderboxConfig } from "./config";
import { TinderboxFileError } from "./errors";
import { parseLock, serializeLock } from "./lock";
import { parsePuppetfile, pinPuppetfile, type GitModule } from "./puppetfile";
import { changelogExcerpt } from "./resolve";

const controlRepo = `# Puppetfile of acme
forge 'https://forgeapi.puppet.com'

mod 'puppetlabs-stdlib', '9.4.1'
mod 'puppetlabs/concat', :latest

mod 'apache',
  :git => 'https://git.example.com/apache.git',
  :tag => 'v1.2.0'   # web servers

mod 'ntp', git: 'https://git.example.com/ntp.git', branch: 'main'
mod 'role', \\
  :git => 'https://git.example.com/role.git', :ref => 'develop'
mod('motd', :git => 'https://git.example.com/motd.git')
mod 'env', :git => 'https://git.example.com/env.git', :branch => :control_branch, :default_branch => 'develop'
`;

const failure = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof TinderboxFileError) return e;
    throw e;
  }
  throw new Error("expected a TinderboxFileError");
};

describe("Puppetfile", () => {
  it("reads forge and git modules in every syntax real control repositories use", () => {
    const pf = parsePuppetfile(controlRepo);
    expect(pf.forge).toBe("https://forgeapi.puppet.com");
    const brief = pf.modules.map((m) =>
      m.source === "forge" ? [m.name, m.version] : [m.short, m.git.replace(/.*\//, ""), m.ref?.kind ?? null, m.ref?.value ?? null, m.line],
    );
    expect(brief).toEqual([
      ["puppetlabs-stdlib", "9.4.1"],
      ["puppetlabs/concat", ":latest"],
      ["apache", "apache.git", "tag", "v1.2.0", 7],
      ["ntp", "ntp.git", "branch", "main", 11],
      ["role", "role.git", "ref", "develop", 12],
      ["motd", "motd.git", null, null, 14],
      ["env", "env.git", "branch", "control_branch", 15],
    ]);
  });

  it("reports syntax errors as file:line:column", () => {
    const e = failure(() => parsePuppetfile("mod 'a',\n  :git => 'https://h/a.git'\n  :tag => 'v1'\n"));
    expect(e.message).toMatch(/^Puppetfile:3:3: option :tag does not belong to a mod/);
    expect(failure(() => parsePuppetfile("mod 'a', :git => 'u',\n<<<<<<< HEAD\n")).message).toMatch(/^Puppetfile:2:1: merge conflict markers/);
  });

  it("pins the resolved commit on each line, keeps everything else, and replaces its own note on the next run", () => {
    const pf = parsePuppetfile(controlRepo);
    const sha = (c: string) => c.repeat(40);
    const pins = new Map([
      ["apache", { sha: sha("a"), note: "tag v1.3.0" }],
      ["ntp", { sha: sha("b"), note: "branch main" }],
      ["role", { sha: sha("c"), note: "branch develop" }],
      ["motd", { sha: sha("d"), note: "branch master" }],
    ]);
    const pinned = pinPuppetfile(controlRepo, pf, pins);
    expect(pinned).toContain(
      `mod 'apache',\n  :git => 'https://git.example.com/apache.git',\n  :commit => '${sha("a")}' # tinderbox: tag v1.3.0   # web servers\n`,
    );
    expect(pinned).toContain(`mod 'ntp', git: 'https://git.example.com/ntp.git', commit: '${sha("b")}' # tinderbox: branch main\n`);
    expect(pinned).toContain(`  :git => 'https://git.example.com/role.git', :commit => '${sha("c")}' # tinderbox: branch develop\n`);
    expect(pinned).toContain(`mod('motd', :git => 'https://git.example.com/motd.git', :commit => '${sha("d")}') # tinderbox: branch master\n`);
    expect(pinned).toContain("mod 'puppetlabs-stdlib', '9.4.1'\nmod 'puppetlabs/concat', :latest\n");
    expect(pinned).toContain(":branch => :control_branch");
    // a person's comment on the line stays after the note
    const again = parsePuppetfile(pinned);
    const apache = again.modules.find((m) => m.short === "apache") as GitModule;
    expect(apache.ref).toMatchObject({ kind: "commit", value: sha("a") });
    expect(apache.note).toBe("tag v1.3.0");
    const twice = pinPuppetfile(pinned, again, new Map([["apache", { sha: sha("e"), note: "tag v1.4.0" }]]));
    expect(twice).toContain(`  :commit => '${sha("e")}' # tinderbox: tag v1.4.0   # web servers\n`);
    expect(twice.match(/tinderbox:/g)).toHaveLength(4);
  });
});

describe(".rookery/tinderbox.yaml", () => {
  it("has defaults and reads schedule, constraints, ignores and groups", () => {
    expect(parseTinderboxConfig(null)).toEqual({ schedule: "daily", constraints: {}, ignore: {}, groups: [] });
    const c = parseTinderboxConfig(
      "schedule: '0 3 * * 1'\nconstraints:\n  apache: '^1.2'\n  ntp: '>=2 <4'\nignore:\n  apache: [v1.3.0]\ngroups:\n  - name: monitoring\n    modules: [icinga, nagios]\n",
    );
    expect(c).toEqual({
      schedule: "0 3 * * 1",
      constraints: { apache: "^1.2", ntp: ">=2 <4" },
      ignore: { apache: ["v1.3.0"] },
      groups: [{ name: "monitoring", modules: ["icinga", "nagios"] }],
    });
  });

  it("refuses what it cannot use with file:line:column", () => {
    const e = failure(() => parseTinderboxConfig("schedule: daily\nconstraints:\n  apache: 'one point two'\n"));
    expect(e.message).toBe(".rookery/tinderbox.yaml:3:11: constraints.apache: not a semver range (e.g. ^1.2, ~2.0.1, >=1.0 <3)");
    expect(failure(() => parseTinderboxConfig("schedul: daily\n")).message).toBe(".rookery/tinderbox.yaml:1:1: unknown key schedul");
    expect(failure(() => parseTinderboxConfig("schedule: sometimes\n")).message).toMatch(
      /^\.rookery\/tinderbox\.yaml:1:11: schedule: off, hourly, daily, weekly/,
    );
    expect(failure(() => parseTinderboxConfig("groups:\n  - name: a\n    modules: [x]\n  - name: b\n    modules: [y, x]\n")).message).toMatch(
      /^\.rookery\/tinderbox\.yaml:5:18: groups\.1\.modules\.1: module x is already in group a/,
    );
    expect(failure(() => parseTinderboxConfig("constraints: [\n")).message).toMatch(/^\.rookery\/tinderbox\.yaml:\d+:\d+: /);
  });
});

describe("Puppetfile.lock", () => {
  it("round-trips, reads the template's blocks without a type, and gives up on conflict markers", () => {
    const lock = {
      forge: { remote: "https://forgeapi.puppet.com", modules: [{ name: "puppetlabs-stdlib", version: "9.4.1" }] },
      git: [
        { name: "apache", remote: "https://h/apache.git", ref: "v1.3.0", type: "tag" as const, sha: "a".repeat(40), version: "1.3.0" },
        { name: "role", remote: "https://h/role.git", ref: "develop", type: "branch" as const, sha: "b".repeat(40), version: null },
      ],
    };
    expect(parseLock(serializeLock(lock))).toEqual(lock);
    const old = "# header\nGIT\n  remote: https://h/role.git\n  ref: develop\n  sha: " + "c".repeat(40) + "\n  specs:\n    role\n";
    expect(parseLock(old)?.git).toEqual([{ name: "role", remote: "https://h/role.git", ref: "develop", type: "branch", sha: "c".repeat(40), version: null }]);
    expect(parseLock(`<<<<<<< HEAD\n${serializeLock(lock)}=======\n${old}>>>>>>> feature/x\n`)).toBeNull();
  });
});

describe("changelog excerpts", () => {
  it("takes the sections after the old version up to the new one", () => {
    const text = "# Changelog\n\n## [v1.4.0] - 2026-12-01\n- four\n\n## 1.3.0\n- three\n\n## 1.2.0\n- two\n";
    expect(changelogExcerpt(text, "1.2.0", "1.4.0")).toBe("## [v1.4.0] - 2026-12-01\n- four\n\n## 1.3.0\n- three");
    expect(changelogExcerpt(text, "1.3.0", "1.3.0")).toBeNull();
    expect(changelogExcerpt(text, null, "1.2.0")).toBe("## 1.2.0\n- two");
  });
});
