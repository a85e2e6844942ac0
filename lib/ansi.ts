/** A span of text with the SGR state (colours, bold) it is shown with. */
export type AnsiSpan = { text: string; fg?: string; bg?: string; bold?: boolean };

const palette = ["#4b5563", "#dc2626", "#16a34a", "#ca8a04", "#2563eb", "#c026d3", "#0891b2", "#d1d5db"];
const bright = ["#6b7280", "#f87171", "#4ade80", "#facc15", "#60a5fa", "#e879f9", "#22d3ee", "#f9fafb"];

function color256(n: number) {
  if (n < 8) return palette[n];
  if (n < 16) return bright[n - 8];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const c = n - 16;
  const f = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${f(Math.floor(c / 36))},${f(Math.floor(c / 6) % 6)},${f(c % 6)})`;
}

/** Splits one line into styled spans: SGR colours/bold are kept, every other escape is dropped. */
export function parseAnsi(line: string, state: Omit<AnsiSpan, "text"> = {}): { spans: AnsiSpan[]; state: Omit<AnsiSpan, "text"> } {
  const spans: AnsiSpan[] = [];
  let cur = { ...state };
  // eslint-disable-next-line no-control-regex
  const re = /\x1b\[([0-9;]*)([A-Za-z])|\x1b[()][A-Z0-9]|\r/g;
  let last = 0;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m.index > last) spans.push({ text: line.slice(last, m.index), ...cur });
    last = re.lastIndex;
    if (m[2] !== "m") continue;
    const codes = (m[1] || "0").split(";").map(Number);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) cur = {};
      else if (c === 1) cur.bold = true;
      else if (c === 22) cur.bold = false;
      else if (c >= 30 && c <= 37) cur.fg = palette[c - 30];
      else if (c >= 90 && c <= 97) cur.fg = bright[c - 90];
      else if (c === 39) cur.fg = undefined;
      else if (c >= 40 && c <= 47) cur.bg = palette[c - 40];
      else if (c === 49) cur.bg = undefined;
      else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
        const v = color256(codes[i + 2] ?? 0);
        if (c === 38) cur.fg = v;
        else cur.bg = v;
        i += 2;
      } else if ((c === 38 || c === 48) && codes[i + 1] === 2) {
        const v = `rgb(${codes[i + 2] ?? 0},${codes[i + 3] ?? 0},${codes[i + 4] ?? 0})`;
        if (c === 38) cur.fg = v;
        else cur.bg = v;
        i += 4;
      }
    }
  }
  if (last < line.length) spans.push({ text: line.slice(last), ...cur });
  return { spans, state: cur };
}

export type LogItem =
  | { kind: "line"; n: number; attempt: number; spans: AnsiSpan[]; plain: string }
  | {
      kind: "section";
      name: string;
      attempt: number;
      start: number;
      end: number | null;
      header: LogItem & { kind: "line" };
      lines: (LogItem & { kind: "line" })[];
    }
  | { kind: "attempt"; attempt: number };

// eslint-disable-next-line no-control-regex
const MARKER = /\x1b\[0Ksection_(start|end):(\d+):([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\r\x1b\[0K/g;

/**
 * Turns the log text of each attempt into numbered lines grouped in step sections
 * (GitLab's `section_start:<unix>:<name>` / `section_end` markers, which the runner writes).
 */
export function buildLog(attempts: { attempt: number; text: string }[]): LogItem[] {
  const items: LogItem[] = [];
  let n = 0;
  for (const { attempt, text } of attempts) {
    if (attempts.length > 1) items.push({ kind: "attempt", attempt });
    let open: (LogItem & { kind: "section" }) | null = null;
    let state = {};
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    for (const raw of lines) {
      let rest = raw;
      let startedHere: (LogItem & { kind: "section" }) | null = null;
      MARKER.lastIndex = 0;
      rest = raw.replace(MARKER, (_m, kind: string, ts: string, name: string) => {
        if (kind === "start") {
          startedHere = { kind: "section", name, attempt, start: Number(ts), end: null, header: null as never, lines: [] };
        } else if (open && open.name === name) {
          open.end = Number(ts);
          open = null;
        }
        return "";
      });
      if (rest === "" && !startedHere) continue;
      const parsed = parseAnsi(rest, state);
      state = parsed.state;
      const line = { kind: "line" as const, n: ++n, attempt, spans: parsed.spans, plain: parsed.spans.map((s) => s.text).join("") };
      if (startedHere) {
        const s = startedHere as LogItem & { kind: "section" };
        s.header = line;
        items.push(s);
        open = s;
      } else if (open) open.lines.push(line);
      else items.push(line);
    }
  }
  return items;
}
