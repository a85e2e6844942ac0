import fs from "node:fs";
import path from "node:path";

/** `*` and `?` within a path segment, `**` across segments. */
function toRegExp(glob: string) {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(p + "/", ...walk(dir, p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Workspace-relative files matching the globs; a matched directory contributes everything under it. */
export function expandArtifacts(workspace: string, globs: string[]): string[] {
  if (globs.length === 0) return [];
  const entries = walk(workspace);
  const res = globs.map((g) => toRegExp(g.replace(/^\.\//, "").replace(/\/$/, "")));
  const files = new Set<string>();
  for (const e of entries) {
    const isDir = e.endsWith("/");
    const name = isDir ? e.slice(0, -1) : e;
    if (!res.some((r) => r.test(name))) continue;
    if (isDir) for (const f of entries) if (!f.endsWith("/") && f.startsWith(e)) files.add(f);
    if (!isDir) files.add(name);
  }
  return [...files].sort();
}
