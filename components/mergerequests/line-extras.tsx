import type { LineExtras } from "@/components/code/diff-view";
import type { Thread } from "@/server/mergerequests/review";
import { CommentForm } from "./actions";
import { ThreadView } from "./thread";

type Ref = { slug: string; name: string; number: number };

/** The Changes tab's per-line additions: a comment button, and the threads on that line. */
export function lineExtras(threads: Thread[], at: Ref, canComment: boolean, headSha?: string): LineExtras {
  const key = (path: string, side: string, line: number) => `${side}:${line}:${path}`;
  const byLine = new Map<string, Thread[]>();
  for (const t of threads) {
    if (!t.path || !t.line) continue;
    const k = key(t.path, t.side ?? "new", t.line);
    byLine.set(k, [...(byLine.get(k) ?? []), t]);
  }
  return (f, l) => {
    if (l.kind === "note") return null;
    const side = l.kind === "del" ? "old" : "new";
    const line = side === "old" ? l.old : l.new;
    const path = side === "old" ? f.oldPath : f.newPath;
    if (!line || !path) return null;
    const here = byLine.get(key(path, side, line));
    return {
      action:
        canComment ? <CommentForm at={at} position={{ path, line, side }} label={`Comment on line ${line} of ${path}`} opener="+ comment" compact /> : null,
      below:
        here?.length ?
          <div className="space-y-2">
            {here.map((t) => (
              <ThreadView key={t.id} thread={t} at={at} canComment={canComment} showPosition={false} headSha={headSha} />
            ))}
          </div>
        : null,
    };
  };
}
