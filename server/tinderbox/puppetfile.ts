import { checkPuppetfile, tokenize, type Tok } from "@/server/git/puppetfile";
import { TinderboxFileError } from "./errors";

/**
 * The structure of an r10k Puppetfile, as real control repositories write it:
 *
 *   forge 'https://forgeapi.puppet.com'
 *   mod 'puppetlabs-stdlib', '9.4.1'                     # a forge module (recorded, not resolved)
 *   mod 'apache', :git => 'https://…/apache.git', :tag => 'v1.2.0'
 *   mod 'ntp', git: 'https://…/ntp.git', branch: 'main'  # Ruby 1.9 hash syntax
 *   mod 'role', \
 *     :git => '…', :ref => 'develop'                     # line continuation
 *
 * The syntax is checked by server/git/puppetfile.ts (the same check browser edits get);
 * this module keeps each module's options with their offsets so the tinderbox can rewrite
 * exactly the ref of a line and leave everything else (comments, order, layout) alone.
 */

export type RefKind = "branch" | "tag" | "commit" | "ref";

export type GitModule = {
  source: "git";
  /** as written: `author-name`, `author/name` or `name` */
  name: string;
  /** the directory r10k deploys it to: the part after the author */
  short: string;
  line: number;
  git: string;
  /** the ref option as written, null when the Puppetfile names none (r10k follows the default branch) */
  ref: { kind: RefKind; value: string; pos: number; end: number; style: "sym" | "label"; symbol: boolean } | null;
  /** where a ref option is appended when there is none: just after the :git value */
  gitEnd: number;
  gitStyle: "sym" | "label";
  /** where our note (if any) ends on the statement's last line */
  lineEnd: number;
  /** text of a trailing `# tinderbox: …` comment on the statement's last line, if any */
  note: string | null;
  /** the statement's last token ends here */
  stmtEnd: number;
};

export type ForgeModule = { source: "forge"; name: string; short: string; line: number; version: string | null };

export type PuppetModule = GitModule | ForgeModule;

export type Puppetfile = { forge: string | null; modules: PuppetModule[] };

/** our note, up to a person's own comment after it (which stays) */
const NOTE = /^[ \t]*#[ \t]*tinderbox:[ \t]*([^#\n]*?)(?=[ \t]*(?:#|$))/;

/** Parses a Puppetfile; syntax problems throw a TinderboxFileError with file:line:column. */
export function parsePuppetfile(source: string, file = "Puppetfile"): Puppetfile {
  if (/^(<{7}|>{7}|={7})( |$)/m.test(source)) {
    const line = source.split("\n").findIndex((l) => /^(<{7}|>{7}|={7})( |$)/.test(l)) + 1;
    throw new TinderboxFileError([{ file, line, column: 1, message: "merge conflict markers: resolve the conflict in Puppetfile first" }]);
  }
  const problems = checkPuppetfile(source);
  if (problems.length) throw new TinderboxFileError(problems.map((p) => ({ file, ...p })));

  const toks = tokenize(source);
  let p = 0;
  const modules: PuppetModule[] = [];
  let forge: string | null = null;
  const skipNl = () => {
    while (toks[p].t === "nl") p++;
  };
  for (;;) {
    skipNl();
    const tok = toks[p++];
    if (tok.t === "eof") break;
    if (tok.t === "word" && (tok.v === "forge" || tok.v === "moduledir")) {
      const value = toks[p++];
      if (tok.v === "forge") forge = value.v;
      continue;
    }
    // mod (checked above)
    if (toks[p].t === "lparen") p++;
    const nameTok = toks[p++];
    const options = new Map<string, { key: Tok; value: Tok }>();
    let version: string | null = null;
    let last: Tok = nameTok;
    while (toks[p].t === "comma") {
      p++;
      skipNl();
      const arg = toks[p++];
      if (arg.t === "str" || (arg.t === "sym" && arg.v === "latest" && !options.size && version === null)) {
        version = arg.t === "str" ? arg.v : ":latest";
        last = arg;
        continue;
      }
      if (arg.t === "sym") p++; // =>
      skipNl();
      const value = toks[p++];
      options.set(arg.v, { key: arg, value });
      last = value;
    }
    if (toks[p].t === "rparen") last = toks[p++];
    const short = nameTok.v.split(/[/-]/).pop()!;
    const git = options.get("git");
    if (!git) {
      modules.push({ source: "forge", name: nameTok.v, short, line: nameTok.line, version });
      continue;
    }
    const refKey = (["branch", "tag", "commit", "ref"] as const).find((k) => options.has(k));
    const ref = refKey ? options.get(refKey)! : null;
    let lineEnd = source.indexOf("\n", last.end);
    if (lineEnd < 0) lineEnd = source.length;
    const rest = source.slice(last.end, lineEnd);
    const note = NOTE.exec(rest);
    if (note) lineEnd = last.end + note[0].length;
    modules.push({
      source: "git",
      name: nameTok.v,
      short,
      line: nameTok.line,
      git: git.value.v,
      ref:
        ref && refKey ?
          {
            kind: refKey,
            value: ref.value.v,
            pos: ref.key.pos,
            end: ref.value.end,
            style: ref.key.t === "label" ? "label" : "sym",
            symbol: ref.value.t === "sym",
          }
        : null,
      gitEnd: git.value.end,
      gitStyle: git.key.t === "label" ? "label" : "sym",
      lineEnd,
      note: note ? note[1].trim() : null,
      stmtEnd: last.end,
    });
  }
  return { forge, modules };
}

export type Pin = { sha: string; note: string };

const quote = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/**
 * Rewrites the ref of each pinned git module to `:commit => '<sha>'` (hash syntax when the
 * line uses it) and puts `# tinderbox: <note>` at the end of the module's statement, so r10k
 * deploys exactly the commits of Puppetfile.lock. Everything else stays byte for byte.
 */
export function pinPuppetfile(source: string, pf: Puppetfile, pins: Map<string, Pin>): string {
  // At one position the note goes in first, so an appended ref lands before it.
  type Edit = { pos: number; end: number; text: string; order: number };
  const edits: Edit[] = [];
  for (const m of pf.modules) {
    if (m.source !== "git") continue;
    const pin = pins.get(m.name);
    if (!pin) continue;
    const style = m.ref?.style ?? m.gitStyle;
    const text = style === "label" ? `commit: ${quote(pin.sha)}` : `:commit => ${quote(pin.sha)}`;
    if (m.ref) edits.push({ pos: m.ref.pos, end: m.ref.end, text, order: 1 });
    else edits.push({ pos: m.gitEnd, end: m.gitEnd, text: `, ${text}`, order: 1 });
    // The note replaces an earlier one (from the end of the last token to the end of the line).
    const after = m.note !== null ? m.lineEnd : m.stmtEnd;
    const keep = source[after] === "#" ? " " : "";
    edits.push({ pos: m.stmtEnd, end: after, text: ` # tinderbox: ${pin.note}${keep}`, order: 0 });
  }
  edits.sort((a, b) => b.pos - a.pos || a.order - b.order);
  let out = source;
  for (const e of edits) out = out.slice(0, e.pos) + e.text + out.slice(e.end);
  return out;
}
