import { buildLog, type LogItem } from "@/lib/ansi";

/**
 * What broke a build, from its log: the package portage names in its error, and the log
 * line (numbered as the job page numbers them, so a notification can link `#L<n>`).
 */
export type BuildFailure = { package: string | null; line: number | null; text: string };

const patterns: RegExp[] = [
  // * ERROR: dev-libs/foo-1.2.3::gentoo failed (compile phase):
  /\* ERROR: ([a-z0-9][a-z0-9+_.-]*\/[A-Za-z0-9+_.-]+?)(?:::\S+)? failed/,
  // emerge: there are no ebuilds to satisfy "dev-libs/missing".
  /there are no ebuilds (?:built with USE flags )?to satisfy "([^"]+)"/,
  // !!! All ebuilds that could satisfy "x" have been masked.
  /All ebuilds that could satisfy "([^"]+)" have been masked/,
  // !!! Multiple package instances within a single package slot have been pulled
  /^\s*([a-z0-9][a-z0-9+_.-]*\/[A-Za-z0-9+_.-]+):\S+ pulled in by/,
];

function lines(items: LogItem[]): (LogItem & { kind: "line" })[] {
  return items.flatMap((i) =>
    i.kind === "line" ? [i]
    : i.kind === "section" ? [i.header, ...i.lines]
    : [],
  );
}

export function failureOf(log: { attempt: number; text: string }[]): BuildFailure {
  const all = lines(buildLog(log));
  for (const l of all)
    for (const p of patterns) {
      const m = p.exec(l.plain);
      if (m) return { package: m[1], line: l.n, text: l.plain.trim() };
    }
  const last = [...all].reverse().find((l) => l.plain.trim() && !l.plain.startsWith("$ "));
  return { package: null, line: last?.n ?? null, text: last?.plain.trim() ?? "" };
}
