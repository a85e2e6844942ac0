import type { CSSProperties } from "react";
import type { HighlightedLine } from "@/server/code/highlight";
import { LineTarget } from "./line-target";

/**
 * A file's lines with numbered anchors (#L12 links and highlights line 12). Highlighted
 * tokens carry their light colour inline and the dark one in --shiki-dark, which the
 * dark theme switches to.
 */
export function CodeView({ text, highlighted }: { text: string; highlighted: HighlightedLine[] | null }) {
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  return (
    <div className="overflow-x-auto">
      <LineTarget />
      <table className="w-full border-collapse font-mono text-xs leading-5 dark:[&_span]:text-(--shiki-dark)!" aria-label="File content">
        <tbody>
          {lines.map((line, i) => {
            const n = i + 1;
            const tokens = highlighted?.[i];
            return (
              <tr key={n} id={`L${n}`} className="target:bg-amber-100 dark:target:bg-amber-900/40">
                <td className="w-1 select-none border-r border-gray-200 px-3 text-right align-top text-gray-400 dark:border-gray-700">
                  <a href={`#L${n}`} className="hover:text-gray-700 dark:hover:text-gray-200">
                    {n}
                  </a>
                </td>
                <td className="whitespace-pre px-3 align-top">
                  {tokens && tokens.length > 0 ?
                    tokens.map((t, j) => (
                      <span key={j} style={{ color: t.color, "--shiki-dark": t.dark } as CSSProperties}>
                        {t.text}
                      </span>
                    ))
                  : line || "\u200b"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
