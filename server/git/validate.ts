import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { checkPuppetfile } from "./puppetfile";

/** One reason a file is refused, with where it is (1-based). */
export type FileProblem = { line: number; column?: number; message: string };

/** hieradata/**.yaml and hiera.yaml are read by Puppet: they must parse. */
export function isHieraYaml(file: string) {
  return (file.startsWith("hieradata/") && /\.ya?ml$/.test(file)) || file === "hiera.yaml";
}

export function checkYaml(source: string, opts: { mapping?: boolean } = {}): FileProblem[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: FileProblem[] = [];
  const seen = new Set<string>();
  for (const e of doc.errors) {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    // One message per position: the first one is the cause, the rest follow from it.
    if (seen.has(`${line}:${col}`)) continue;
    seen.add(`${line}:${col}`);
    problems.push({ line, column: col, message: e.message.split("\n")[0] });
  }
  const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
  if (!problems.length && opts.mapping && !empty && !isMap(doc.contents)) {
    const { line, col } = lineCounter.linePos(doc.contents!.range?.[0] ?? 0);
    problems.push({ line, column: col, message: "Hiera data must be a mapping of keys to values (key: value)" });
  }
  return problems;
}

/**
 * What Rookery checks before a browser edit is committed; an empty list means the file
 * may go in. Only files Puppet and r10k read are checked; everything else is free text.
 */
export function validateFile(file: string, content: string): FileProblem[] {
  if (isHieraYaml(file)) return checkYaml(content, { mapping: file.startsWith("hieradata/") });
  if (file === "Puppetfile") return checkPuppetfile(content);
  return [];
}

export function describeProblems(file: string, problems: FileProblem[]) {
  return problems
    .slice(0, 10)
    .map((p) => `${file}: line ${p.line}${p.column ? `, column ${p.column}` : ""}: ${p.message}`)
    .join("\n");
}
