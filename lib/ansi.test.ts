import { describe, expect, it } from "vitest";
import { buildLog, parseAnsi } from "./ansi";

describe("ANSI log rendering", () => {
  it("keeps SGR colours and bold across spans and drops other escapes", () => {
    const { spans, state } = parseAnsi("a\x1b[31;1mred\x1b[0Kstill\x1b[0m plain \x1b[38;5;82mx");
    expect(spans).toEqual([
      { text: "a" },
      { text: "red", fg: "#dc2626", bold: true },
      { text: "still", fg: "#dc2626", bold: true },
      { text: " plain " },
      { text: "x", fg: "rgb(95,255,0)" },
    ]);
    expect(state.fg).toBe("rgb(95,255,0)");
  });

  it("numbers lines and groups steps into sections with durations, per attempt", () => {
    const text =
      "intro\n\x1b[0Ksection_start:100:step_1\r\x1b[0K$ make\ncc -o x\n\x1b[0Ksection_end:107:step_1\r\x1b[0K\x1b[0Ksection_start:107:step_2\r\x1b[0K$ test\nok\n";
    const items = buildLog([
      { attempt: 1, text: "lost\n" },
      { attempt: 2, text },
    ]);
    expect(items.map((i) => i.kind)).toEqual(["attempt", "line", "attempt", "line", "section", "section"]);
    const [, , , intro, s1, s2] = items;
    expect(intro).toMatchObject({ kind: "line", n: 2, plain: "intro" });
    expect(s1).toMatchObject({ kind: "section", name: "step_1", start: 100, end: 107, header: { n: 3, plain: "$ make" } });
    expect(s1.kind === "section" && s1.lines.map((l) => l.plain)).toEqual(["cc -o x"]);
    expect(s2).toMatchObject({ kind: "section", name: "step_2", end: null, header: { plain: "$ test" } });
  });
});
