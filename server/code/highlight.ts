import { bundledLanguages, createHighlighter, type BundledLanguage, type Highlighter } from "shiki";

/**
 * Server-side syntax highlighting with shiki (TextMate grammars, VS Code's themes): tokens
 * per line carry a light colour and a `--shiki-dark` one, so the page needs no client JS
 * and follows the theme toggle. Grammars load on first use; the highlighter is shared.
 */

export type Token = { text: string; color?: string; dark?: string };
export type HighlightedLine = Token[];

/** Above these, files are shown as plain text (still with line numbers). */
export const highlightLimits = { maxBytes: 256 * 1024, maxLines: 5000 };

const THEMES = { light: "github-light", dark: "github-dark" } as const;

const byFileName: Record<string, string> = {
  puppetfile: "ruby",
  gemfile: "ruby",
  rakefile: "ruby",
  vagrantfile: "ruby",
  dockerfile: "docker",
  containerfile: "docker",
  makefile: "make",
  "cmakelists.txt": "cmake",
  "environment.conf": "ini",
  "hiera.yaml": "yaml",
  ".gitignore": "ini",
  "package.json": "json",
};

const byExtension: Record<string, string> = {
  pp: "puppet",
  epp: "puppet",
  erb: "erb",
  conf: "ini",
  cfg: "ini",
  ebuild: "shellscript",
  eclass: "shellscript",
  service: "ini",
  timer: "ini",
};

/** The shiki language for a file name, or null for plain text. */
export function languageFor(fileName: string): BundledLanguage | null {
  const base = fileName.split("/").pop()!.toLowerCase();
  const candidates = [byFileName[base], byExtension[base.split(".").pop() ?? ""], base.includes(".") ? base.split(".").pop() : undefined];
  for (const c of candidates) if (c && c in bundledLanguages) return c as BundledLanguage;
  return null;
}

const g = globalThis as unknown as { __rookeryHighlighter?: Promise<Highlighter> };

function highlighter() {
  g.__rookeryHighlighter ??= createHighlighter({ themes: [THEMES.light, THEMES.dark], langs: [] });
  return g.__rookeryHighlighter;
}

/** Lines of tokens for `code`, or null when the file is too large to highlight or has no known language. */
export async function highlight(code: string, fileName: string): Promise<HighlightedLine[] | null> {
  const lang = languageFor(fileName);
  if (!lang || code.length > highlightLimits.maxBytes) return null;
  const lines = code.split("\n");
  if (lines.length > highlightLimits.maxLines) return null;
  const h = await highlighter();
  if (!h.getLoadedLanguages().includes(lang)) await h.loadLanguage(lang);
  const { tokens } = h.codeToTokens(code, { lang, themes: THEMES, defaultColor: "light" });
  return tokens.map((line) =>
    line.map((t) => {
      const style = (t.htmlStyle ?? {}) as Record<string, string>;
      return { text: t.content, color: style.color ?? t.color, dark: style["--shiki-dark"] };
    }),
  );
}
