/** `%q%` for ILIKE, with the user's own % and _ matched literally. */
export function containsPattern(q: string) {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
