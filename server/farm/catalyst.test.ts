import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { catalystJob, CatalystSpecError, formatSpec, parseSpec, portageConfdir, stage3Spec, stage4Files, stage4Spec, type CatalystStack } from "./catalyst";
import { toRunnerJob } from "./pipeline";
import { loadProfileSet } from "./profiles";
import { buildProfilesTemplate } from "./template";

/**
 * Catalyst 4 specs, generated exactly: each is compared with its golden file, and the golden
 * file is read back both by our parser and by test/support/catalyst_spec.py (catalyst's
 * SpecParser rules, in Python as catalyst runs them) into the values catalyst will use.
 * UPDATE_GOLDEN=1 rewrites the golden files (review the diff).
 */
const golden = path.join(__dirname, "testdata/catalyst");
const set = loadProfileSet(Object.entries(buildProfilesTemplate()).map(([p, text]) => ({ path: p, text })));
const amd64 = { keyword: "amd64", chost: "x86_64-pc-linux-gnu", cflags: "-O2 -pipe -march=x86-64" };
const base = {
  environment: "production",
  arch: amd64,
  stamp: "20261207T231500Z",
  treeCommit: "0123456789abcdef0123456789abcdef01234567",
  source: "production/stage3-amd64-linux-20261130T000000Z",
};
const stack: CatalystStack = {
  name: "rails-stack",
  profiles: set.stacks.get("rails-stack")!.profiles.map((n) => set.profiles.get(n)!),
  services: ["sshd", "puppet|default"],
  kernel: { name: "rookery", sources: "sys-kernel/gentoo-kernel-bin", distkernel: true },
};

function matchesGolden(name: string, text: string) {
  const file = path.join(golden, name);
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, text);
  expect(text).toBe(fs.readFileSync(file, "utf8"));
  return file;
}

const catalystReads = (file: string) =>
  JSON.parse(execFileSync("python3", [path.join(__dirname, "../../test/support/catalyst_spec.py"), file], { encoding: "utf8" }));

const common = {
  subarch: "amd64",
  rel_type: "production",
  profile: "default/linux/amd64/23.0",
  snapshot_treeish: "0123456789abcdef0123456789abcdef01234567",
  source_subpath: "production/stage3-amd64-linux-20261130T000000Z",
  compression_mode: "pixz",
  common_flags: ["-O2", "-pipe", "-march=x86-64"],
};

describe("catalyst specs", () => {
  it("a stage3 of a system profile: exactly the golden spec, read back as catalyst reads it", () => {
    const file = matchesGolden("stage3-linux.spec", stage3Spec({ ...base, profile: set.profiles.get("linux")! }));
    const expected = {
      ...common,
      target: "stage3",
      version_stamp: "linux-20261207T231500Z",
      portage_confdir: "/var/tmp/rookery/catalyst/stage3-linux/portage",
      update_seed: "no",
    };
    expect(catalystReads(file)).toEqual(expected);
    expect(parseSpec(fs.readFileSync(file, "utf8"))).toEqual(expected);
  });

  it("a stage4 of a stack: packages of all its profiles, fsscript, services, kernel; atoms with a slot stay whole", () => {
    const file = matchesGolden("stage4-rails-stack.spec", stage4Spec(base, stack));
    const expected = {
      ...common,
      target: "stage4",
      version_stamp: "rails-stack-20261207T231500Z",
      portage_confdir: "/var/tmp/rookery/catalyst/stage4-rails-stack/portage",
      "stage4/packages": [
        "@system",
        "app-admin/sudo",
        "app-admin/sysklogd",
        "app-editors/vim",
        "net-misc/chrony",
        "sys-process/cronie",
        "dev-lang/ruby:3.3",
        "dev-ruby/bundler",
        "dev-ruby/rails",
        "dev-db/postgresql",
        "www-servers/nginx",
      ],
      "stage4/fsscript": "/var/tmp/rookery/catalyst/stage4-rails-stack/fsscript.sh",
      "stage4/rcadd": ["sshd|default", "puppet|default"],
      "boot/kernel": "rookery",
      "boot/kernel/rookery/sources": "sys-kernel/gentoo-kernel-bin",
      "boot/kernel/rookery/distkernel": "yes",
    };
    expect(catalystReads(file)).toEqual(expected);
    expect(parseSpec(fs.readFileSync(file, "utf8"))).toEqual(expected);
  });

  it("the parser follows catalyst: comments, continuation lines, `none`, empty keys dropped", () => {
    const text = "# a comment\nsubarch: amd64 # trailing\nstage4/packages:\n\tapp-misc/a\n\tapp-misc/b app-misc/c\nboot/kernel: none\nstage4/empty:\n";
    const file = path.join(golden, "..", "parser-case.spec.tmp");
    fs.writeFileSync(file, text);
    try {
      const want = { subarch: "amd64", "stage4/packages": ["app-misc/a", "app-misc/b", "app-misc/c"], "boot/kernel": null };
      expect(catalystReads(file)).toEqual(want);
      expect(parseSpec(text)).toEqual(want);
    } finally {
      fs.rmSync(file);
    }
  });

  it("values catalyst would misread are refused", () => {
    expect(() => formatSpec([["stage4/packages", ["app-misc/a#b"]]])).toThrow(CatalystSpecError);
    expect(() => formatSpec([["profile", "100%"]])).toThrow(CatalystSpecError);
    expect(() => formatSpec([["subarch", "amd 64"]])).toThrow(CatalystSpecError);
    expect(() => stage3Spec({ ...base, profile: set.profiles.get("rails")! })).toThrow(/not a system profile/);
  });

  it("the portage_confdir and fsscript of a stack: its USE and keywords, and binrepos pointing at its binhosts", () => {
    expect(portageConfdir(stack.profiles)).toEqual({
      "package.use/rookery": "app-editors/vim -X minimal\ndev-lang/ruby jemalloc -tk\ndev-db/postgresql -server\n",
      "package.accept_keywords/rookery": "=dev-ruby/rails-7.2* ~amd64\n",
    });
    const files = stage4Files("https://rookery.example.com/packages", "production", "amd64", stack, true);
    matchesGolden("stage4-rails-stack.fsscript.sh", files["fsscript.sh"]);
  });

  it("the job for a runner tagged catalyst: snapshot of the pinned commit, catalyst -f, the tarball and its DIGESTS under our name", () => {
    const spec = stage4Spec(base, stack);
    const job = catalystJob({
      kind: "stage4",
      environment: "production",
      arch: amd64,
      tree: { syncUri: "https://rookery.example.com/git/infrastructure/gentoo.git", commit: base.treeCommit },
      stamp: base.stamp,
      name: "rails-stack",
      spec,
      files: stage4Files("https://rookery.example.com/packages", "production", "amd64", stack, true),
    });
    expect(job.tags).toEqual(["catalyst", "arch:amd64"]);
    expect(job.env.ROOKERY_STAGE_FILE).toBe("stage4-amd64-rails-stack-20261207T231500Z.tar.xz");
    expect(Object.keys(job.files).sort()).toEqual([
      "/var/tmp/rookery/catalyst/stage4-rails-stack/fsscript.sh",
      "/var/tmp/rookery/catalyst/stage4-rails-stack/portage/package.accept_keywords/rookery",
      "/var/tmp/rookery/catalyst/stage4-rails-stack/portage/package.use/rookery",
      "/var/tmp/rookery/catalyst/stage4-rails-stack/stage4.spec",
    ]);
    expect(job.files["/var/tmp/rookery/catalyst/stage4-rails-stack/stage4.spec"]).toBe(spec);
    const runner = toRunnerJob(job, new Set());
    expect(runner.tags).toEqual(["catalyst"]);
    const script = runner.steps.map((s) => `## ${s.name}\n${s.run}`).join("\n");
    matchesGolden("stage4-rails-stack.job.sh", script.replace(/printf '%s' '[A-Za-z0-9+/=]+'/g, "printf '%s' '<base64>'"));
    expect(script).toContain("catalyst --snapshot 0123456789abcdef0123456789abcdef01234567\n");
    expect(script).toContain("catalyst --file /var/tmp/rookery/catalyst/stage4-rails-stack/stage4.spec\n");
    expect(script).toContain(
      "cp /var/tmp/catalyst/builds/production/stage4-amd64-rails-stack-20261207T231500Z.tar.xz artifacts/stage/stage4-amd64-rails-stack-20261207T231500Z.tar.xz\n",
    );
  });
});
