/**
 * The boundary rule for text that enters from outside (tRPC inputs, REST bodies, URLs,
 * credentials): no NUL or other C0 control characters, no DEL. Tab, newline and carriage
 * return are allowed; fields that must be one line say so in their own zod schema.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function hasControlChar(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * The path ("name", "rules.0.pattern") of the first string, or object key, in `value` that
 * carries a control character; "" for a bare string; null when everything is clean.
 */
export function controlCharPath(value: unknown, path: string[] = [], depth = 0): string | null {
  if (typeof value === "string") return hasControlChar(value) ? path.join(".") : null;
  if (depth > 32 || value === null || typeof value !== "object") return null;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, v] of entries) {
    if (hasControlChar(key)) return [...path, "(a key)"].join(".");
    const found = controlCharPath(v, [...path, key], depth + 1);
    if (found !== null) return found;
  }
  return null;
}

export function controlCharMessage(path: string): string {
  return `${path || "The input"} must not contain control characters (NUL, escape codes)`;
}
