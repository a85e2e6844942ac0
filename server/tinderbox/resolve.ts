import semver from "semver";
import { constraintFor, isIgnored, type TinderboxConfig } from "./config";
import { ModuleResolveError } from "./errors";
import { serializeLock, type GitLockEntry, type Lock, type LockType } from "./lock";
import { pinPuppetfile, type GitModule, type Pin, type Puppetfile } from "./puppetfile";

/** What `git ls-remote --symref` says about a remote: branch heads, tags (peeled to commits) and the default branch. */
export type RemoteRefs = {
  heads: Map<string, string>;
  tags: Map<string, string>;
  defaultBranch: string | null;
  /** a file at a commit, for remotes the portal holds itself (CHANGELOG.md excerpts) */
  readFile?: (commit: string, file: string) => Promise<string | null>;
};

/** Lists a module's remote; throws ModuleResolveError naming the module when it cannot. */
export type RemoteReader = (module: GitModule) => Promise<RemoteRefs>;

export function parseLsRemote(out: string): RemoteRefs {
  const refs: RemoteRefs = { heads: new Map(), tags: new Map(), defaultBranch: null };
  for (const line of out.split("\n")) {
    const sym = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (sym) {
      refs.defaultBranch = sym[1];
      continue;
    }
    const m = /^([0-9a-f]{40,64})\trefs\/(heads|tags)\/(.+)$/.exec(line);
    if (!m) continue;
    if (m[2] === "heads") refs.heads.set(m[3], m[1]);
    else if (m[3].endsWith("^{}"))
      refs.tags.set(m[3].slice(0, -3), m[1]); // the peeled commit wins over the tag object
    else if (!refs.tags.has(m[3])) refs.tags.set(m[3], m[1]);
  }
  return refs;
}

export type Intent = { type: LockType; ref: string };

/** One module that moved, for the commit message and the merge request. */
export type ModuleChange = {
  module: string;
  remote: string;
  type: LockType;
  from: { ref: string; sha: string; version: string | null } | null;
  to: { ref: string; sha: string; version: string | null };
  /** the module's CHANGELOG.md sections after `from`'s version up to `to`'s, when it could be read */
  changelog?: string;
};

/**
 * The sections of a CHANGELOG.md (headings such as `## 1.3.0`, `## [v1.3.0] - 2026-01-02`)
 * for versions above `from` and up to `to`, at most 40 lines.
 */
export function changelogExcerpt(text: string, from: string | null, to: string): string | null {
  const lines = text.split("\n");
  const out: string[] = [];
  let take = false;
  for (const line of lines) {
    const h = /^#{1,4}\s*\[?v?(\d+\.\d+\.\d+[^\]\s]*)/.exec(line);
    if (h) {
      const v = semver.valid(h[1]);
      take = !!v && semver.lte(v, to) && (!from || semver.gt(v, from));
    }
    if (take) out.push(line);
  }
  while (out.length && !out.at(-1)!.trim()) out.pop();
  if (!out.length) return null;
  return out.length > 40 ? [...out.slice(0, 40), "…"].join("\n") : out.join("\n");
}

export type Resolution = {
  lock: Lock;
  lockText: string;
  puppetfileText: string;
  changes: ModuleChange[];
  /** plain remarks for the run (forge modules not resolved, hand-pinned commits kept, …) */
  notes: string[];
};

const isSha = (s: string) => /^[0-9a-f]{40}$/.test(s);
const versionOf = (tag: string) => semver.valid(semver.clean(tag) ?? "") ?? null;

/** What a module follows: its Puppetfile ref, or for a line the tinderbox pinned, the lock's (or its note's) intent. */
function intentOf(m: GitModule, old: GitLockEntry | undefined, refs: RemoteRefs): Intent | null {
  if (!m.ref) return refs.defaultBranch ? { type: "branch", ref: refs.defaultBranch } : null;
  if (m.ref.kind === "branch" || m.ref.kind === "tag") return { type: m.ref.kind, ref: m.ref.value };
  if (m.ref.kind === "ref") {
    if (isSha(m.ref.value)) return { type: "commit", ref: m.ref.value };
    if (refs.heads.has(m.ref.value)) return { type: "branch", ref: m.ref.value };
    if (refs.tags.has(m.ref.value)) return { type: "tag", ref: m.ref.value };
    return null;
  }
  // :commit — ours (the lock or our note says what it follows) or a person's pin
  if (old && old.sha === m.ref.value && old.type !== "commit") return { type: old.type, ref: old.ref };
  const note = m.note && /^(branch|tag) (\S+)/.exec(m.note);
  if (note) return { type: note[1] as LockType, ref: note[2] };
  return { type: "commit", ref: m.ref.value };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/**
 * Resolves every git module of the Puppetfile to a commit: a branch to its head, a tag to
 * the newest tag within the module's semver constraint (not ignored), a commit a person
 * pinned stays. Returns the new lock and the Puppetfile pinned to the same commits.
 */
export async function resolveModules(
  puppetfileText: string,
  pf: Puppetfile,
  oldLock: Lock | null,
  config: TinderboxConfig,
  read: RemoteReader,
  opts: { concurrency?: number } = {},
): Promise<Resolution> {
  const notes: string[] = [];
  const oldByName = new Map((oldLock?.git ?? []).map((g) => [g.name, g]));
  const all = pf.modules.filter((m): m is GitModule => m.source === "git");
  // `:branch => :control_branch` follows the control repo's own branch at deploy time: r10k's to resolve, not ours.
  const dynamic = all.filter((m) => m.ref?.symbol);
  if (dynamic.length) notes.push(`left to r10k (a :symbol ref such as :control_branch): ${dynamic.map((m) => m.short).join(", ")}`);
  const gitModules = all.filter((m) => !m.ref?.symbol);
  const forge = pf.modules.filter((m) => m.source === "forge");
  if (forge.length) notes.push(`forge modules are not resolved: ${forge.map((m) => m.name).join(", ")}`);

  const resolved = await mapLimit(gitModules, opts.concurrency ?? 8, async (m) => {
    const refs = await read(m);
    const old = oldByName.get(m.short);
    const intent = intentOf(m, old, refs);
    if (!intent) throw new ModuleResolveError(m.short, m.ref ? `${m.ref.value} is neither a branch nor a tag of ${m.git}` : `${m.git} has no default branch`);
    let entry: GitLockEntry;
    if (intent.type === "branch") {
      const sha = refs.heads.get(intent.ref);
      if (!sha) throw new ModuleResolveError(m.short, `branch ${intent.ref} does not exist in ${m.git}`);
      entry = { name: m.short, remote: m.git, ref: intent.ref, type: "branch", sha, version: null };
    } else if (intent.type === "tag") {
      const current = versionOf(intent.ref);
      const range = constraintFor(config, m.short, current);
      let best: { tag: string; version: string } | null = null;
      if (range)
        for (const tag of refs.tags.keys()) {
          const v = versionOf(tag);
          if (!v || !semver.satisfies(v, range) || isIgnored(config, m.short, v)) continue;
          if (!best || semver.gt(v, best.version)) best = { tag, version: v };
        }
      const tag = best?.tag ?? intent.ref;
      const sha = refs.tags.get(tag);
      if (!sha) throw new ModuleResolveError(m.short, `tag ${tag} does not exist in ${m.git}${range ? ` and no tag satisfies ${range}` : ""}`);
      if (!range) notes.push(`${m.short}: tag ${tag} is not a semantic version, so it is kept`);
      entry = { name: m.short, remote: m.git, ref: tag, type: "tag", sha, version: versionOf(tag) };
    } else {
      notes.push(`${m.short}: pinned to commit ${intent.ref.slice(0, 12)} by hand, not updated`);
      entry = { name: m.short, remote: m.git, ref: intent.ref, type: "commit", sha: intent.ref, version: null };
    }
    // not in the lock yet: a tag the Puppetfile names is where the module comes from
    const fromTag =
      m.ref?.kind === "tag" && refs.tags.get(m.ref.value) ? { ref: m.ref.value, sha: refs.tags.get(m.ref.value)!, version: versionOf(m.ref.value) } : null;
    let changelog: string | undefined;
    const fromVersion = (old && old.remote === entry.remote ? old.version : fromTag?.version) ?? null;
    if (entry.type === "tag" && entry.version && refs.readFile && fromVersion !== entry.version) {
      const text = await refs.readFile(entry.sha, "CHANGELOG.md");
      changelog = (text && changelogExcerpt(text, fromVersion, entry.version)) || undefined;
    }
    return { m, entry, old, fromTag, changelog };
  });

  const changes: ModuleChange[] = [];
  const pins = new Map<string, Pin>();
  for (const { m, entry, old, fromTag, changelog } of resolved) {
    if (entry.type !== "commit") pins.set(m.name, { sha: entry.sha, note: `${entry.type} ${entry.ref}` });
    const before = old && old.remote === entry.remote ? old : fromTag;
    const fromSha = before?.sha ?? (m.ref?.kind === "commit" ? m.ref.value : null);
    if (fromSha !== entry.sha)
      changes.push({
        module: m.short,
        remote: entry.remote,
        type: entry.type,
        from: fromSha ? { ref: before?.ref ?? m.ref?.value ?? "", sha: fromSha, version: before?.version ?? null } : null,
        to: { ref: entry.ref, sha: entry.sha, version: entry.version },
        ...(changelog ? { changelog } : {}),
      });
  }
  const oldForge = new Map((oldLock?.forge.modules ?? []).map((f) => [f.name, f.version]));
  const lock: Lock = {
    forge: {
      remote: pf.forge,
      modules: forge.map((f) => ({ name: f.name, version: f.source === "forge" ? (f.version ?? oldForge.get(f.name) ?? null) : null })),
    },
    git: resolved.map((r) => r.entry),
  };
  return { lock, lockText: serializeLock(lock), puppetfileText: pinPuppetfile(puppetfileText, pf, pins), changes, notes };
}

/** One line per change, as the commit message and the merge request list them. */
export function describeChange(c: ModuleChange): string {
  const short = (s: string) => s.slice(0, 12);
  const label = (x: { ref: string; sha: string; version: string | null }) => (c.type === "tag" ? x.ref : `${x.ref} ${short(x.sha)}`);
  if (!c.from) return `module ${c.module}: new, ${label(c.to)}`;
  if (c.type === "tag" && c.from.ref !== c.to.ref) return `module ${c.module} ${c.from.ref} → ${c.to.ref}`;
  return `module ${c.module} ${c.type} ${c.to.ref}: ${short(c.from.sha)} → ${short(c.to.sha)}`;
}
