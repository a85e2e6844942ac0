import path from "node:path";

/**
 * The static checks of an overlay commit, cheap enough for the portal's worker: pure over
 * the files of `metadata/` and `profiles/`, asking the tree only whether a `gentoo:` profile
 * exists. What needs portage itself (the ebuilds) runs on a gentoo runner (overlay.ts).
 */

export type LintError = { file: string; line: number; message: string };

export const formatLintError = (e: LintError) => `${e.file}:${e.line}: ${e.message}`;

/** layout.conf lines: `key = value` (value may be empty), comments and blank lines. */
export function parseRepoLayoutConf(text: string): { values: Map<string, string>; errors: { line: number; message: string }[] } {
  const values = new Map<string, string>();
  const errors: { line: number; message: string }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const m = line.match(/^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/);
    if (!m) errors.push({ line: i + 1, message: `expected "key = value", found "${line.slice(0, 60)}"` });
    else values.set(m[1], m[2].trim());
  });
  return { values, errors };
}

/**
 * make.defaults as portage reads it: `VAR="value"` (double quotes may span lines), `VAR='value'`
 * or `VAR=word`, optionally after `export`; comments and blank lines.
 */
export function makeDefaultsErrors(text: string): { line: number; message: string }[] {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith("#")) continue;
    const m = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/);
    if (!m) return [{ line: i + 1, message: `expected VAR="value", found "${line.slice(0, 60)}"` }];
    let rest = m[2];
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      if (/["'`\s]/.test(rest)) return [{ line: i + 1, message: `quote the value of ${m[1]} ("...")` }];
      continue;
    }
    // find the closing quote, across lines if need be
    const start = i;
    rest = rest.slice(1);
    for (;;) {
      const close = quote === '"' ? rest.search(/(?<!\\)(?:\\\\)*"/) : rest.indexOf("'");
      if (close >= 0) {
        const end = quote === '"' ? rest.indexOf('"', close) : close;
        const after = rest.slice(end + 1).trim();
        if (after && !after.startsWith("#")) return [{ line: i + 1, message: `unexpected "${after.slice(0, 30)}" after the value of ${m[1]}` }];
        break;
      }
      if (++i >= lines.length) return [{ line: start + 1, message: `the value of ${m[1]} has no closing ${quote}` }];
      rest = lines[i];
    }
  }
  return [];
}

const REPOS = new Set(["gentoo", "rookery"]);

/**
 * Every problem of the overlay's layout and profiles, in file order. `gentooHasProfile` answers
 * whether `profiles/<path>` exists in the tree at the same environment branch.
 */
export async function lintOverlay(files: { path: string; text: string }[], gentooHasProfile: (dir: string) => Promise<boolean>): Promise<LintError[]> {
  const errors: LintError[] = [];
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  const dirs = new Set(files.flatMap((f) => f.path.split("/").map((_, i, parts) => parts.slice(0, i).join("/"))));

  const layout = byPath.get("metadata/layout.conf");
  let formats: string[] = [];
  if (layout === undefined) errors.push({ file: "metadata/layout.conf", line: 1, message: "missing: an overlay needs it (masters = gentoo)" });
  else {
    const parsed = parseRepoLayoutConf(layout);
    errors.push(...parsed.errors.map((e) => ({ file: "metadata/layout.conf", ...e })));
    const masters = parsed.values.get("masters");
    if (masters === undefined) errors.push({ file: "metadata/layout.conf", line: 1, message: "no masters: add `masters = gentoo`" });
    else if (!masters.split(/\s+/).includes("gentoo"))
      errors.push({ file: "metadata/layout.conf", line: 1, message: `masters = ${masters} does not name gentoo` });
    formats = (parsed.values.get("profile-formats") ?? "").split(/\s+/);
  }
  const repoName = byPath.get("profiles/repo_name")?.trim();
  if (repoName !== "rookery")
    errors.push({ file: "profiles/repo_name", line: 1, message: repoName ? `is "${repoName}", must be "rookery"` : "missing: must say rookery" });

  const desc = byPath.get("profiles/profiles.desc") ?? "";
  desc.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) return;
    const [arch, dir, status] = line.split(/\s+/);
    if (!arch || !dir || !status) errors.push({ file: "profiles/profiles.desc", line: i + 1, message: "expected: arch profile-path status" });
    else if (!dirs.has(`profiles/${dir}`))
      errors.push({ file: "profiles/profiles.desc", line: i + 1, message: `profile ${dir} does not exist in the overlay` });
  });

  for (const f of files.filter((x) => x.path.startsWith("profiles/")).sort((a, b) => a.path.localeCompare(b.path))) {
    const base = path.posix.basename(f.path);
    if (base === "make.defaults") errors.push(...makeDefaultsErrors(f.text).map((e) => ({ file: f.path, ...e })));
    if (base !== "parent") continue;
    const lines = f.text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const entry = lines[i].replace(/#.*/, "").trim();
      if (!entry) continue;
      const at = { file: f.path, line: i + 1 };
      const repo = entry.match(/^([A-Za-z0-9_-]+):(.+)$/);
      if (repo) {
        if (!formats.includes("portage-2"))
          errors.push({ ...at, message: `${entry}: repo:path parents need profile-formats = portage-2 in metadata/layout.conf` });
        if (!REPOS.has(repo[1])) errors.push({ ...at, message: `${entry}: unknown repository ${repo[1]} (gentoo or rookery)` });
        else if (repo[1] === "rookery" ? !dirs.has(`profiles/${repo[2]}`) : !(await gentooHasProfile(`profiles/${repo[2]}`)))
          errors.push({ ...at, message: `${entry}: no such profile in ${repo[1] === "rookery" ? "the overlay" : "the gentoo tree"}` });
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f.path), entry));
      if (!target.startsWith("profiles/") || !dirs.has(target)) errors.push({ ...at, message: `${entry}: no such profile (${target})` });
    }
  }
  return errors;
}
