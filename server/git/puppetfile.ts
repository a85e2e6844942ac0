import type { FileProblem } from "./validate";

/**
 * A syntax check for r10k Puppetfiles: the small Ruby subset r10k documents
 *
 *   forge 'https://forgeapi.puppet.com'
 *   moduledir 'thirdparty'
 *   mod 'puppetlabs/stdlib', '9.4.1'
 *   mod 'role', :git => 'https://host/git/org/role.git', :branch => 'develop'
 *
 * with quoting, commas, options and line numbers checked, so a typo is refused in the
 * browser instead of failing the next deployment.
 */

/** A token with its 1-based line and column and its [pos, end) offsets in the source. */
export type Tok =
  | { t: "str" | "sym" | "word" | "label"; v: string; line: number; col: number; pos: number; end: number }
  | { t: "arrow" | "comma" | "nl" | "lparen" | "rparen" | "eof"; v: string; line: number; col: number; pos: number; end: number };

export class PuppetfileError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    message: string,
  ) {
    super(message);
  }
}

const identStart = /[A-Za-z_]/;
const identChar = /[A-Za-z0-9_]/;

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const col = () => i - lineStart + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "\n") {
      toks.push({ t: "nl", v: "\n", line, col: col(), pos: i, end: i + 1 });
      i++;
      line++;
      lineStart = i;
    } else if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "\\" && (src[i + 1] === "\n" || (src[i + 1] === "\r" && src[i + 2] === "\n"))) {
      i += src[i + 1] === "\n" ? 2 : 3;
      line++;
      lineStart = i;
    } else if (c === "'" || c === '"') {
      const start = { line, col: col(), pos: i };
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length || src[i] === "\n") throw new PuppetfileError(start.line, start.col, `string is not closed: add the missing ${c}`);
        if (src[i] === "\\" && i + 1 < src.length && src[i + 1] !== "\n") {
          const next = src[i + 1];
          // Single quotes only know \\ and \'; double quotes keep the escape's character.
          v += c === "'" && next !== "\\" && next !== "'" ? "\\" + next : next;
          i += 2;
          continue;
        }
        if (src[i] === c) break;
        v += src[i++];
      }
      i++;
      toks.push({ t: "str", v, ...start, end: i });
    } else if (c === ":" && identStart.test(src[i + 1] ?? "")) {
      const start = col();
      let j = i + 1;
      while (j < src.length && identChar.test(src[j])) j++;
      toks.push({ t: "sym", v: src.slice(i + 1, j), line, col: start, pos: i, end: j });
      i = j;
    } else if (c === "=" && src[i + 1] === ">") {
      toks.push({ t: "arrow", v: "=>", line, col: col(), pos: i, end: i + 2 });
      i += 2;
    } else if (c === "," || c === "(" || c === ")") {
      toks.push({
        t:
          c === "," ? "comma"
          : c === "(" ? "lparen"
          : "rparen",
        v: c,
        line,
        col: col(),
        pos: i,
        end: i + 1,
      });
      i++;
    } else if (identStart.test(c)) {
      const start = col();
      let j = i;
      while (j < src.length && identChar.test(src[j])) j++;
      const word = src.slice(i, j);
      if (src[j] === ":" && src[j + 1] !== ":") {
        toks.push({ t: "label", v: word, line, col: start, pos: i, end: j + 1 });
        i = j + 1;
      } else {
        toks.push({ t: "word", v: word, line, col: start, pos: i, end: j });
        i = j;
      }
    } else {
      throw new PuppetfileError(line, col(), `unexpected character ${JSON.stringify(c)}`);
    }
  }
  toks.push({ t: "eof", v: "", line, col: col(), pos: i, end: i });
  return toks;
}

const gitRefKeys = ["branch", "tag", "commit", "ref"];
const knownKeys = new Set([
  "git",
  ...gitRefKeys,
  "default_branch",
  "default_branch_override",
  "install_path",
  "local",
  "svn",
  "rev",
  "revision",
  "username",
  "password",
  "exclude_spec",
  "type",
  "source",
  "version",
]);
const moduleName = /^[A-Za-z0-9_]+(?:[/-][A-Za-z0-9_]+)?$/;
const forgeVersion = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;

function fail(tok: Tok, message: string): never {
  throw new PuppetfileError(tok.line, tok.col, message);
}

function describe(tok: Tok) {
  switch (tok.t) {
    case "str":
      return `'${tok.v}'`;
    case "sym":
      return `:${tok.v}`;
    case "label":
      return `${tok.v}:`;
    case "nl":
      return "the end of the line";
    case "eof":
      return "the end of the file";
    default:
      return tok.v;
  }
}

function parse(toks: Tok[]): FileProblem[] {
  const problems: FileProblem[] = [];
  const seen = new Map<string, number>();
  let p = 0;
  const peek = () => toks[p];
  const next = () => toks[p++];
  const skipNewlines = () => {
    while (peek().t === "nl") p++;
  };
  const endOfStatement = (what: string) => {
    const tok = peek();
    if (tok.t === "nl" || tok.t === "eof") return;
    if (tok.t === "sym" || tok.t === "label" || tok.t === "str") fail(tok, `expected a comma before ${describe(tok)} (after ${what})`);
    fail(tok, `unexpected ${describe(tok)} after ${what}`);
  };
  const expectString = (what: string) => {
    const tok = next();
    if (tok.t !== "str") fail(tok, `${what} must be followed by a quoted string, found ${describe(tok)}`);
    return tok;
  };

  for (;;) {
    skipNewlines();
    const tok = next();
    if (tok.t === "eof") break;
    if (tok.t === "sym" || tok.t === "label" || tok.t === "arrow")
      fail(tok, `option ${describe(tok)} does not belong to a mod: is a comma missing at the end of the previous line?`);
    if (tok.t !== "word") fail(tok, `expected forge, moduledir or mod, found ${describe(tok)}`);

    if (tok.v === "forge" || tok.v === "moduledir") {
      expectString(tok.v);
      endOfStatement(`${tok.v} '…'`);
      continue;
    }
    if (tok.v !== "mod") fail(tok, `unknown directive "${tok.v}": a Puppetfile holds forge, moduledir and mod lines`);

    const paren = peek().t === "lparen" ? next() : null;
    const nameTok = expectString("mod");
    if (!moduleName.test(nameTok.v))
      problems.push({ line: nameTok.line, column: nameTok.col, message: `"${nameTok.v}" is not a module name (author/name or name)` });
    const short = nameTok.v.split(/[/-]/).pop()!;
    const earlier = seen.get(short);
    if (earlier !== undefined) problems.push({ line: nameTok.line, column: nameTok.col, message: `module ${short} is already declared on line ${earlier}` });
    else seen.set(short, nameTok.line);

    const options = new Map<string, Tok>();
    let version: Tok | null = null;
    while (peek().t === "comma") {
      next();
      skipNewlines();
      const arg = next();
      if ((arg.t === "str" || (arg.t === "sym" && arg.v === "latest")) && !version && !options.size) {
        version = arg;
        if (arg.t === "str" && !forgeVersion.test(arg.v))
          problems.push({ line: arg.line, column: arg.col, message: `'${arg.v}' is not a module version (for example '1.2.3' or :latest)` });
        continue;
      }
      if (arg.t !== "sym" && arg.t !== "label") fail(arg, `expected an option such as :git => '…' after the comma, found ${describe(arg)}`);
      const key = arg.v;
      if (arg.t === "sym") {
        const arrow = next();
        if (arrow.t !== "arrow") fail(arrow, `expected => after :${key}, found ${describe(arrow)}`);
      }
      skipNewlines();
      const value = next();
      const okValue = value.t === "str" || value.t === "sym" || (value.t === "word" && (value.v === "true" || value.v === "false"));
      if (!okValue) fail(value, `:${key} needs a quoted value, found ${describe(value)}`);
      if (!knownKeys.has(key)) problems.push({ line: arg.line, column: arg.col, message: `unknown option :${key}` });
      if (options.has(key)) problems.push({ line: arg.line, column: arg.col, message: `:${key} is given twice` });
      options.set(key, value);
    }
    if (paren) {
      const close = next();
      if (close.t !== "rparen") fail(close, `expected ) to close mod(, found ${describe(close)}`);
    }
    endOfStatement(`mod '${nameTok.v}'`);

    const refs = gitRefKeys.filter((k) => options.has(k));
    const git = options.get("git");
    if (git && git.t !== "str") problems.push({ line: git.line, column: git.col, message: ":git needs a quoted URL" });
    if (git && version) problems.push({ line: version.line, column: version.col, message: "a git module takes :branch, :tag, :commit or :ref, not a version" });
    if (refs.length > 1) {
      const t = options.get(refs[1])!;
      problems.push({ line: t.line, column: t.col, message: `use only one of :${refs.join(", :")}` });
    }
    if (refs.length && !git) {
      const t = options.get(refs[0])!;
      problems.push({ line: t.line, column: t.col, message: `:${refs[0]} needs :git => '<url>'` });
    }
  }
  return problems;
}

/** Problems found in a Puppetfile (empty when it is fine), sorted by line. */
export function checkPuppetfile(source: string): FileProblem[] {
  try {
    return parse(tokenize(source)).sort((a, b) => a.line - b.line);
  } catch (e) {
    if (e instanceof PuppetfileError) return [{ line: e.line, column: e.col, message: e.message }];
    throw e;
  }
}
