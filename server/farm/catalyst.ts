import { binreposConf, binreposEntries, JOB_TOKEN_GIT_AUTH, type JobSpec } from "./generate";
import { OVERLAY_LOCATION, OVERLAY_REPO_NAME } from "./overlay-template";
import type { ResolvedProfile } from "./profiles";
import { digestsScript, stageFileName, stageJobName, STAGE_ARTIFACTS } from "./stage-job";

/**
 * Catalyst 4 specs for real Gentoo build hosts (runners tagged `catalyst`): a stage3 per
 * environment × arch × system profile and a stage4 per stack (its system profile plus its
 * application profiles' packages, services and a kernel). Pure and deterministic; the job runs
 * `catalyst -s <tree commit>` (the snapshot of the environment's pinned tree) and
 * `catalyst -f <spec>`, then hands the tarball to the same DIGESTS check and publishing as
 * binhost-assembled stages (server/farm/stages.ts).
 *
 * The spec format is catalyst's SpecParser (catalyst/config.py): `key: value` split at the
 * first colon; a line without a colon continues the last key's values (split on whitespace);
 * `#` starts a comment; a single value is a string, several a list, an empty one is dropped,
 * `none` is None; values go through Python %-interpolation. So a value must not hold `#` or
 * `%`, and a continuation line must not hold `:` (such lists, and flag lists, are written on the key's line).
 */

export type SpecValue = string | string[];
export type SpecEntries = [string, SpecValue][];

/** Gentoo's subarch for a keyword where they differ (catalyst's arch modules); else the keyword. */
const SUBARCH: Record<string, string> = { x86: "i686", ppc: "ppc", ppc64: "ppc64", arm64: "arm64", amd64: "amd64", riscv: "rv64_lp64d" };
export const subarchOf = (keyword: string) => SUBARCH[keyword] ?? keyword;

/** Where the job writes what catalyst reads. */
export const CATALYST_DIR = "/var/tmp/rookery/catalyst";
export const CATALYST_STOREDIR = "/var/tmp/catalyst";

export class CatalystSpecError extends Error {}

function checkValue(key: string, v: string) {
  if (/[#%\n]/.test(v)) throw new CatalystSpecError(`${key}: catalyst cannot read a value with #, % or a line break: ${JSON.stringify(v)}`);
  if (!v.trim()) throw new CatalystSpecError(`${key}: empty value`);
}

/** Writes entries in catalyst's spec syntax: lists one value per indented line, unless a value holds a colon. */
export function formatSpec(entries: SpecEntries): string {
  const out: string[] = [];
  for (const [key, value] of entries) {
    if (!/^[A-Za-z0-9_./-]+$/.test(key)) throw new CatalystSpecError(`invalid spec key ${key}`);
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v) => checkValue(key, v));
    if (!values.length) continue;
    if (!Array.isArray(value)) {
      if (/\s/.test(value)) throw new CatalystSpecError(`${key}: a single value cannot hold whitespace (catalyst splits it)`);
      out.push(`${key}: ${value}`);
    } else if (values.some((v) => v.includes(":") || v.startsWith("-"))) out.push(`${key}: ${values.join(" ")}`);
    else out.push(`${key}:`, ...values.map((v) => `\t${v}`));
  }
  return out.join("\n") + "\n";
}

/**
 * Reads a spec as catalyst's SpecParser does (multiple values, empty values dropped, `none`
 * → null). %-interpolation is not applied: our specs never hold `%` (formatSpec refuses it).
 */
export function parseSpec(text: string): Record<string, string | string[] | null> {
  const values: Record<string, string | string[] | null> = {};
  let cur: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim().replace(/\s*#.*$/, "");
    if (!line) return;
    const at = line.indexOf(":");
    if (at >= 0) {
      const rest = line
        .slice(at + 1)
        .trim()
        .replace(/^"+|"+$/g, "");
      if (rest.includes("%")) throw new CatalystSpecError(`line ${i}: % interpolation is not supported here`);
      cur = [line.slice(0, at), ...rest.split(/\s+/).filter(Boolean)];
    } else cur.push(...line.split(/\s+/));
    values[cur[0]] = cur.length === 2 ? cur[1] : cur.slice(1);
  });
  for (const k of Object.keys(values)) {
    const v = values[k];
    if (!v || (Array.isArray(v) && !v.length)) delete values[k];
    else if (typeof v === "string" && v.toLowerCase() === "none") values[k] = null;
  }
  return values;
}

export type CatalystStageInput = {
  environment: string;
  arch: { keyword: string; chost: string; cflags: string };
  /** The system profile (stage3), or the stack's system profile (stage4). */
  profile: ResolvedProfile;
  stamp: string;
  /** The environment's pinned tree commit: catalyst snapshots exactly this. */
  treeCommit: string;
  /** Catalyst's seed below its builds dir, without .tar.xz: e.g. the environment's previous stage3. */
  source: string;
};

export type CatalystStack = {
  name: string;
  /** The stack's profiles, system first. */
  profiles: ResolvedProfile[];
  /** OpenRC services to add: `sshd` (default runlevel) or `name|runlevel`. */
  services: string[];
  /** The kernel catalyst builds into the stage4 (boot/kernel). */
  kernel: { name: string; sources: string; distkernel: boolean; config?: string };
};

/** The files of catalyst's portage_confdir: the profile's USE, keywords, masks (make.conf is catalyst's own). */
export function portageConfdir(profiles: ResolvedProfile[]): Record<string, string> {
  const last = <T>(pick: (p: ResolvedProfile) => Record<string, T>) => Object.assign({}, ...profiles.map(pick)) as Record<string, T>;
  const use = Object.entries(last((p) => p.use));
  const kw = Object.entries(last((p) => p.acceptKeywords));
  const mask = [...new Set(profiles.flatMap((p) => p.mask))];
  const unmask = [...new Set(profiles.flatMap((p) => p.unmask))];
  const files: Record<string, string> = {};
  const lines = (e: [string, string[]][]) => e.map(([a, w]) => [a, ...w].join(" ")).join("\n") + "\n";
  if (use.length) files["package.use/rookery"] = lines(use);
  if (kw.length) files["package.accept_keywords/rookery"] = lines(kw);
  if (mask.length) files["package.mask/rookery"] = mask.join("\n") + "\n";
  if (unmask.length) files["package.unmask/rookery"] = unmask.join("\n") + "\n";
  return files;
}

function common(input: CatalystStageInput, target: "stage3" | "stage4", name: string): SpecEntries {
  const overlay = input.profile.portageProfile.startsWith(`${OVERLAY_REPO_NAME}:`);
  return [
    ["subarch", subarchOf(input.arch.keyword)],
    ["target", target],
    ["version_stamp", `${name}-${input.stamp}`],
    ["rel_type", input.environment],
    ["profile", input.profile.portageProfile.replace(/^gentoo:/, "")],
    ["snapshot_treeish", input.treeCommit],
    ["source_subpath", input.source],
    ["compression_mode", "pixz"],
    ["portage_confdir", `${CATALYST_DIR}/${target}-${name}/portage`],
    ...(overlay ? ([["repos", OVERLAY_LOCATION]] as SpecEntries) : []),
    ["common_flags", input.arch.cflags.split(/\s+/).filter(Boolean)],
  ];
}

export function stage3Spec(input: CatalystStageInput): string {
  if (input.profile.kind !== "system") throw new CatalystSpecError(`${input.profile.name} is not a system profile`);
  return formatSpec([...common(input, "stage3", input.profile.name), ["update_seed", "no"]]);
}

export function fsscriptPath(stack: string) {
  return `${CATALYST_DIR}/stage4-${stack}/fsscript.sh`;
}

export function stage4Spec(input: Omit<CatalystStageInput, "profile">, stack: CatalystStack): string {
  const [system] = stack.profiles;
  if (!system || system.kind !== "system") throw new CatalystSpecError(`the stack ${stack.name} must start with its system profile`);
  const packages = [...new Set(stack.profiles.flatMap((p) => p.allPackages))];
  const k = stack.kernel;
  return formatSpec([
    ...common({ ...input, profile: system }, "stage4", stack.name),
    ["stage4/packages", packages],
    ["stage4/fsscript", fsscriptPath(stack.name)],
    ...(stack.services.length ? ([["stage4/rcadd", stack.services.map((s) => (s.includes("|") ? s : `${s}|default`))]] as SpecEntries) : []),
    ["boot/kernel", k.name],
    [`boot/kernel/${k.name}/sources`, k.sources],
    ...(k.distkernel ? ([[`boot/kernel/${k.name}/distkernel`, "yes"]] as SpecEntries) : []),
    ...(k.config ? ([[`boot/kernel/${k.name}/config`, k.config]] as SpecEntries) : []),
  ]);
}

/** The stage4's fsscript: its portage points at the stack's binhosts (most specific first). */
export function fsscript(binrepos: string) {
  return [
    "#!/bin/bash",
    "# Generated by Rookery: runs inside the stage4 chroot at the end of catalyst's build.",
    "set -e",
    "mkdir -p /etc/portage/binrepos.conf",
    `cat > /etc/portage/binrepos.conf/rookery.conf <<'ROOKERY_EOF'`,
    binrepos.trimEnd(),
    "ROOKERY_EOF",
    "",
  ].join("\n");
}

export type CatalystJobInput = {
  kind: "stage3" | "stage4";
  environment: string;
  arch: { keyword: string; chost: string; cflags: string };
  tree: { syncUri: string; commit: string };
  stamp: string;
  spec: string;
  /** The name the stage is published under: the system profile (stage3) or the stack (stage4). */
  name: string;
  /** Relative file → content, below the spec's own directory (portage/…, fsscript.sh). */
  files: Record<string, string>;
};

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The job for a runner tagged `catalyst`: write the spec and its portage_confdir, put the
 * pinned tree commit into catalyst's repository and snapshot it, run catalyst, then leave the
 * tarball under our name with its DIGESTS in the workspace for the portal to verify and publish.
 */
export function catalystJob(input: CatalystJobInput): JobSpec {
  const dir = `${CATALYST_DIR}/${input.kind}-${input.name}`;
  const subarch = subarchOf(input.arch.keyword);
  const built = `${CATALYST_STOREDIR}/builds/${input.environment}/${input.kind}-${subarch}-${input.name}-${input.stamp}.tar.xz`;
  const file = stageFileName(input.kind, input.arch.keyword, input.name, input.stamp);
  const files: Record<string, string> = { [`${dir}/${input.kind}.spec`]: input.spec };
  for (const [rel, content] of Object.entries(input.files)) files[`${dir}/${rel}`] = content;
  return {
    name: stageJobName(input.environment, input.arch.keyword, input.name),
    environment: input.environment,
    arch: input.arch.keyword,
    profile: input.name,
    variant: "clean",
    tags: ["catalyst", `arch:${input.arch.keyword}`],
    needs: [],
    env: {
      ROOKERY_ENVIRONMENT: input.environment,
      ROOKERY_ARCH: input.arch.keyword,
      ROOKERY_PROFILE: input.name,
      ROOKERY_STAGE_KIND: input.kind,
      ROOKERY_STAGE_STAMP: input.stamp,
      ROOKERY_STAGE_FILE: file,
      ROOKERY_TREE_COMMIT: input.tree.commit,
      NOCOLOR: "true",
    },
    files,
    steps: [
      {
        name: "snapshot",
        script: [
          // catalyst 4 snapshots a commit of its own git repository of the tree (repo_basedir/repo_name)
          `repo=$(python3 -c 'import tomllib;c=tomllib.load(open("/etc/catalyst/catalyst.toml","rb"));print(c.get("repo_basedir","/var/db/repos")+"/"+c.get("repo_name","gentoo"))' 2>/dev/null || echo /var/db/repos/gentoo)`,
          `[ -d "$repo" ] || git init --quiet --bare "$repo"`,
          `git -C "$repo" ${JOB_TOKEN_GIT_AUTH} fetch --quiet ${quote(input.tree.syncUri)} ${input.tree.commit}`,
          `catalyst --snapshot ${input.tree.commit}`,
        ],
      },
      ...(input.files["fsscript.sh"] ? [{ name: "fsscript", script: [`chmod 0755 ${dir}/fsscript.sh`] }] : []),
      { name: "catalyst", script: [`catalyst --file ${dir}/${input.kind}.spec`] },
      {
        name: "collect",
        script: [`mkdir -p ${STAGE_ARTIFACTS}`, `cp ${built} ${STAGE_ARTIFACTS}/${file}`, `cd ${STAGE_ARTIFACTS}`, ...digestsScript(file)],
      },
    ],
    artifacts: [],
  };
}

/** The inputs of a stage4 job from a stack: spec, portage_confdir and fsscript pointing at the stack's binhosts. */
export function stage4Files(binhostUrl: string, environment: string, arch: string, stack: CatalystStack, signed: boolean) {
  const entries = binreposEntries(
    binhostUrl,
    environment,
    arch,
    [...stack.profiles].reverse().map((p) => p.name),
  );
  const files: Record<string, string> = { "fsscript.sh": fsscript(binreposConf(entries, `Stack ${stack.name}: the binhosts this host updates from.`, signed)) };
  for (const [rel, content] of Object.entries(portageConfdir(stack.profiles))) files[`portage/${rel}`] = content;
  return files;
}
