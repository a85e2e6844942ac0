import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";
import { z } from "zod";

/**
 * Build profiles and stacks: one YAML file each in infrastructure/build-profiles
 * (`profiles/<name>.yaml`, `stacks/<name>.yaml`). Parsed and validated here with
 * positions, resolved through single inheritance. Pure: no git, no database.
 */

export const profileNamePattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const atomPattern = /^[<>=~!]*[A-Za-z0-9+_.-]+\/[A-Za-z0-9+_.*-]+(?:[:][A-Za-z0-9+_./*-]+)?(?:::[A-Za-z0-9_-]+)?$/;
const setPattern = /^@[A-Za-z0-9_-]+$/;
const makeVarPattern = /^[A-Z][A-Z0-9_]*$/;

const atom = z.string().regex(atomPattern, "Expected a package atom such as dev-lang/ruby or >=dev-db/mysql-8.0");
const packageOrSet = z.string().refine((s) => atomPattern.test(s) || setPattern.test(s), "Expected a package atom (app-editors/vim) or a set (@system)");
const flags = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(/\s+/)).filter(Boolean));
const makeVars = z.record(z.string().regex(makeVarPattern, "make.conf variables are UPPER_CASE"), z.union([z.string(), z.number()]).transform(String));

/** What system and application profiles both may set. */
const common = {
  description: z.string().default(""),
  /** Rookery usernames told (in-app and by e-mail) when this profile's build fails or recovers. */
  owners: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "owners are Rookery usernames")).default([]),
  /** make.conf variables; an application profile's values override its parent's. */
  make: makeVars.default({}),
  /** Added to the profile's world set (atoms or @sets). */
  packages: z.array(packageOrSet).default([]),
  /** package.use: atom → flags ("ssl -X" or [ssl, -X]). */
  use: z.record(atom, flags).default({}),
  /** package.accept_keywords: atom → keywords ("" = the arch's ~keyword). */
  acceptKeywords: z.record(atom, z.union([flags, z.null().transform(() => [] as string[])])).default({}),
  mask: z.array(atom).default([]),
  unmask: z.array(atom).default([]),
  /** package.env: atom → names of files in `envFiles`. */
  packageEnv: z.record(atom, flags).default({}),
  /** /etc/portage/env/<name>: variable assignments. */
  envFiles: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, "Use letters, digits, dots, dashes and underscores"), makeVars).default({}),
};

export const systemProfileSchema = z
  .object({
    kind: z.literal("system"),
    /** The portage profile (eselect profile): default/linux/amd64/23.0 in the tree, or rookery:rookery/amd64/server in our overlay. */
    portageProfile: z
      .string()
      .regex(
        /^(?:(?:gentoo|rookery):)?[A-Za-z0-9_+-][A-Za-z0-9._+-]*(?:\/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)*$/,
        "Expected a portage profile path such as default/linux/amd64/23.0, or rookery:rookery/amd64/server for the overlay's",
      ),
    architectures: z.array(z.string().regex(/^[a-z0-9_-]+$/, "Expected an architecture keyword such as amd64")).min(1, "List at least one architecture"),
    ...common,
  })
  .strict();

export const applicationProfileSchema = z
  .object({
    kind: z.literal("application"),
    inherits: z.string().regex(profileNamePattern, "Expected the name of another profile"),
    ...common,
  })
  .strict();

export const profileSchema = z.discriminatedUnion("kind", [systemProfileSchema, applicationProfileSchema], {
  error: (issue) => (issue.code === "invalid_union" ? 'kind must be "system" or "application"' : undefined),
});

export const stackSchema = z
  .object({
    kind: z.literal("stack").default("stack"),
    description: z.string().default(""),
    system: z.string().regex(profileNamePattern, "Expected the name of a system profile"),
    applications: z.array(z.string().regex(profileNamePattern, "Expected the name of an application profile")).default([]),
    /** OpenRC services of the stack's stage4 (catalyst's stage4/rcadd): `sshd` (default runlevel) or `sshd|default`. */
    services: z.array(z.string().regex(/^[A-Za-z0-9_.@-]+(?:\|[a-z]+)?$/, "Expected a service, optionally with |runlevel")).default([]),
    /** The kernel package of the stack's stage4 (catalyst's boot/kernel sources); gentoo-kernel(-bin) is a distribution kernel. */
    kernel: z
      .string()
      .regex(/^[a-z0-9-]+\/[A-Za-z0-9_+.-]+$/, "Expected a kernel package such as sys-kernel/gentoo-kernel-bin")
      .default("sys-kernel/gentoo-kernel-bin"),
  })
  .strict();

export type SystemProfile = z.infer<typeof systemProfileSchema>;
export type ApplicationProfile = z.infer<typeof applicationProfileSchema>;
export type ProfileFile = z.infer<typeof profileSchema>;
export type Stack = z.infer<typeof stackSchema> & { name: string; file: string };

/** The line of a top-level key (1 when absent): errors about its value point there. */
function keyLine(text: string, key: string) {
  const i = text.split("\n").findIndex((l) => l.startsWith(`${key}:`));
  return i < 0 ? 1 : i + 1;
}

export type ProfileError = { file: string; line: number; column: number; message: string };

export type ParsedProfile = { name: string; file: string; profile: ProfileFile; inheritsLine: number };

/** A profile with its inheritance applied: everything a build needs. */
export type ResolvedProfile = {
  name: string;
  file: string;
  kind: "system" | "application";
  description: string;
  owners: string[];
  /** Ancestors nearest first (the system profile last); empty for a system profile. */
  parents: string[];
  system: string;
  portageProfile: string;
  architectures: string[];
  make: Record<string, string>;
  /** This profile's own additions (an application profile builds only these on top of its parents). */
  packages: string[];
  /** All packages of the chain, system first. */
  allPackages: string[];
  use: Record<string, string[]>;
  acceptKeywords: Record<string, string[]>;
  mask: string[];
  unmask: string[];
  packageEnv: Record<string, string[]>;
  envFiles: Record<string, Record<string, string>>;
};

function position(lc: LineCounter, offset: number) {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

/** The YAML node at a zod issue path, for its position (falls back to the nearest ancestor). */
function nodeAt(root: YamlNode | null, path: PropertyKey[]): { node: YamlNode | null; keyNode: YamlNode | null } {
  let node: YamlNode | null = root;
  let keyNode: YamlNode | null = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      keyNode = pair.key as YamlNode;
      node = (pair.value as YamlNode | null) ?? keyNode;
    } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
      node = node.items[seg] as YamlNode;
      keyNode = null;
    } else break;
  }
  return { node, keyNode };
}

export function parseYaml<T>(file: string, text: string, schema: z.ZodType<T>): { value: T; errors: [] } | { value: null; errors: ProfileError[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      value: null,
      errors: doc.errors.map((e) => ({ file, ...position(lc, e.pos[0]), message: e.message.split("\n")[0] })),
    };
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return { value: result.data, errors: [] };
  return {
    value: null,
    errors: result.error.issues.map((issue) => {
      // Unknown keys point at the key itself; a bad record key at the key too.
      const path = [...issue.path];
      if (issue.code === "unrecognized_keys") path.push(issue.keys[0]);
      const { node, keyNode } = nodeAt(doc.contents as YamlNode | null, path);
      const at = (issue.code === "unrecognized_keys" || issue.code === "invalid_key" ? keyNode : node) ?? node;
      const offset = at?.range?.[0] ?? 0;
      const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
      const message = issue.code === "unrecognized_keys" ? `unknown key ${issue.keys.join(", ")}` : issue.message;
      return { file, ...position(lc, offset), message: `${where}${message}` };
    }),
  };
}

function nameOf(file: string) {
  return file.replace(/^.*\//, "").replace(/\.ya?ml$/, "");
}

export type RepoFiles = { path: string; text: string }[];

export type ProfileSet = {
  profiles: Map<string, ResolvedProfile>;
  stacks: Map<string, Stack & { profiles: string[] }>;
  errors: ProfileError[];
};

/**
 * Parses, validates and resolves every profile and stack of one tree (one branch head).
 * Broken files are reported and left out; the rest still resolve.
 */
export function loadProfileSet(files: RepoFiles): ProfileSet {
  const errors: ProfileError[] = [];
  const parsed = new Map<string, ParsedProfile>();
  const stackFiles: (Stack & { text: string })[] = [];
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const isProfile = /^profiles\/[^/]+\.ya?ml$/.test(f.path);
    const isStack = /^stacks\/[^/]+\.ya?ml$/.test(f.path);
    if (!isProfile && !isStack) continue;
    const name = nameOf(f.path);
    if (!profileNamePattern.test(name)) {
      errors.push({ file: f.path, line: 1, column: 1, message: `"${name}" is not a valid name: use lower-case letters, digits, dots, dashes, underscores` });
      continue;
    }
    if (isProfile) {
      const r = parseYaml(f.path, f.text, profileSchema);
      if (!r.value) errors.push(...r.errors);
      else if (parsed.has(name))
        errors.push({ file: f.path, line: 1, column: 1, message: `a profile named ${name} is already defined in ${parsed.get(name)!.file}` });
      else parsed.set(name, { name, file: f.path, profile: r.value, inheritsLine: keyLine(f.text, "inherits") });
    } else {
      const r = parseYaml(f.path, f.text, stackSchema);
      if (!r.value) errors.push(...r.errors);
      else stackFiles.push({ ...r.value, name, file: f.path, text: f.text });
    }
  }

  const profiles = new Map<string, ResolvedProfile>();
  for (const name of [...parsed.keys()].sort()) {
    const r = resolveProfile(parsed, name);
    if ("error" in r) errors.push(r.error);
    else profiles.set(name, r.profile);
  }

  const stacks = new Map<string, Stack & { profiles: string[] }>();
  for (const { text, ...s } of stackFiles) {
    const err = (message: string, key = "applications") => errors.push({ file: s.file, line: keyLine(text, key), column: 1, message });
    const system = profiles.get(s.system);
    if (!system) {
      err(parsed.has(s.system) ? `system profile ${s.system} has errors` : `unknown system profile ${s.system}`, "system");
      continue;
    }
    if (system.kind !== "system") {
      err(`${s.system} is an application profile; a stack's system must be a system profile`, "system");
      continue;
    }
    let ok = true;
    for (const a of s.applications) {
      const app = profiles.get(a);
      if (!app) err(parsed.has(a) ? `application profile ${a} has errors` : `unknown application profile ${a}`);
      else if (app.kind !== "application") err(`${a} is a system profile; list it as the stack's system instead`);
      else if (app.system !== s.system) err(`${a} is based on ${app.system}, not on the stack's system ${s.system}`);
      else continue;
      ok = false;
    }
    if (ok) stacks.set(s.name, { ...s, profiles: [s.system, ...s.applications] });
  }
  return { profiles, stacks, errors };
}

function resolveProfile(parsed: Map<string, ParsedProfile>, name: string): { profile: ResolvedProfile } | { error: ProfileError } {
  const start = parsed.get(name)!;
  const chain: ParsedProfile[] = [start];
  const seen = new Set([name]);
  let cur = start;
  while (cur.profile.kind === "application") {
    const parentName = cur.profile.inherits;
    const names = [...chain.map((c) => c.name), parentName].join(" → ");
    const at = { file: start.file, line: start.inheritsLine, column: 1 };
    if (seen.has(parentName)) return { error: { ...at, message: `inheritance cycle: ${names}` } };
    const parent = parsed.get(parentName);
    if (!parent) return { error: { ...at, message: `unknown parent profile ${parentName} (${names})` } };
    seen.add(parentName);
    chain.push(parent);
    cur = parent;
  }
  const system = cur.profile as SystemProfile;
  // Apply from the system profile down: later (more specific) entries win.
  const topDown = [...chain].reverse();
  const merged = {
    make: {} as Record<string, string>,
    allPackages: [] as string[],
    use: {} as Record<string, string[]>,
    acceptKeywords: {} as Record<string, string[]>,
    mask: [] as string[],
    unmask: [] as string[],
    packageEnv: {} as Record<string, string[]>,
    envFiles: {} as Record<string, Record<string, string>>,
  };
  for (const { profile: p } of topDown) {
    Object.assign(merged.make, p.make);
    for (const pkg of p.packages) if (!merged.allPackages.includes(pkg)) merged.allPackages.push(pkg);
    Object.assign(merged.use, p.use);
    Object.assign(merged.acceptKeywords, p.acceptKeywords);
    merged.mask.push(...p.mask.filter((a) => !merged.mask.includes(a)));
    merged.unmask.push(...p.unmask.filter((a) => !merged.unmask.includes(a)));
    Object.assign(merged.packageEnv, p.packageEnv);
    Object.assign(merged.envFiles, p.envFiles);
  }
  for (const [atomName, names] of Object.entries(merged.packageEnv)) {
    const missing = names.find((n) => !(n in merged.envFiles));
    if (missing)
      return { error: { file: start.file, line: 1, column: 1, message: `packageEnv ${atomName} names ${missing}, which no envFiles entry defines` } };
  }
  return {
    profile: {
      name,
      file: start.file,
      kind: start.profile.kind,
      description: start.profile.description,
      owners: start.profile.owners,
      parents: chain.slice(1).map((c) => c.name),
      system: chain.at(-1)!.name,
      portageProfile: system.portageProfile,
      architectures: system.architectures,
      packages: start.profile.packages,
      ...merged,
    },
  };
}
