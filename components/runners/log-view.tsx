"use client";

import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { inputClass } from "@/components/ui";
import { buildLog, type AnsiSpan, type LogItem } from "@/lib/ansi";

function Spans({ spans }: { spans: AnsiSpan[] }) {
  return (
    <>
      {spans.map((s, i) =>
        s.fg || s.bg || s.bold ?
          <span key={i} style={{ color: s.fg, backgroundColor: s.bg, fontWeight: s.bold ? 700 : undefined }}>
            {s.text}
          </span>
        : s.text,
      )}
    </>
  );
}

function Line({ line, hit }: { line: LogItem & { kind: "line" }; hit: boolean }) {
  return (
    <div id={`L${line.n}`} className={hit ? "flex bg-yellow-900/60" : "flex hover:bg-gray-800 target:bg-yellow-900/60"}>
      <a href={`#L${line.n}`} className="w-12 shrink-0 select-none pr-3 text-right text-gray-500 hover:text-gray-300" aria-label={`Line ${line.n}`}>
        {line.n}
      </a>
      <span className="whitespace-pre-wrap break-all">
        <Spans spans={line.spans} />
      </span>
    </div>
  );
}

/**
 * The job log, live: server-sent events from /api/builds/jobs/:id/log, one text decoder per
 * attempt, step sections collapsible with their durations, line anchors, follow and search.
 */
export function LogView({ jobId, live }: { jobId: string; live: boolean }) {
  const router = useRouter();
  const [attempts, setAttempts] = useState<{ attempt: number; text: string }[]>([]);
  const [state, setState] = useState<"connecting" | "streaming" | "done" | "error">("connecting");
  const [follow, setFollow] = useState(live);
  const [query, setQuery] = useState("");
  const bottom = useRef<HTMLDivElement>(null);
  const jumped = useRef(false);
  // Read when the log ends, not a dependency: the refresh that follows turns `live` off, and
  // re-running the effect would stream the whole log again on top of what is shown.
  const wasLive = useRef(live);

  useEffect(() => {
    const decoders = new Map<number, TextDecoder>();
    const es = new EventSource(`/api/builds/jobs/${jobId}/log`);
    let pending: { attempt: number; text: string }[] = [];
    let flush: number | null = null;
    const apply = () => {
      flush = null;
      const add = pending;
      pending = [];
      setAttempts((prev) => {
        const next = prev.map((a) => ({ ...a }));
        for (const p of add) {
          const last = next[next.length - 1];
          if (last && last.attempt === p.attempt) last.text += p.text;
          else next.push({ ...p });
        }
        return next;
      });
    };
    es.addEventListener("chunk", (e) => {
      const { attempt, data } = JSON.parse((e as MessageEvent).data) as { attempt: number; data: string };
      let d = decoders.get(attempt);
      if (!d) decoders.set(attempt, (d = new TextDecoder()));
      const bin = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      pending.push({ attempt, text: d.decode(bin, { stream: true }) });
      setState("streaming");
      flush ??= window.setTimeout(apply, 50);
    });
    es.addEventListener("end", () => {
      es.close();
      if (flush !== null) {
        window.clearTimeout(flush);
        apply();
      }
      setState("done");
      if (wasLive.current) router.refresh();
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setState("error");
    };
    return () => {
      es.close();
      if (flush !== null) window.clearTimeout(flush);
    };
  }, [jobId, router]);

  const items = useMemo(() => buildLog(attempts), [attempts]);

  useEffect(() => {
    if (follow) bottom.current?.scrollIntoView({ block: "end" });
    if (!jumped.current && state === "done" && location.hash.startsWith("#L")) {
      jumped.current = true;
      document.getElementById(location.hash.slice(1))?.scrollIntoView({ block: "center" });
    }
  }, [items, follow, state]);

  const q = query.trim().toLowerCase();
  const hit = (l: LogItem & { kind: "line" }) => q !== "" && l.plain.toLowerCase().includes(q);
  const hits =
    q ?
      items.reduce(
        (n, it) =>
          n +
          (it.kind === "line" ? +hit(it)
          : it.kind === "section" ? +hit(it.header) + it.lines.filter(hit).length
          : 0),
        0,
      )
    : 0;

  return (
    <section aria-label="Job log" className="space-y-2">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <input
          type="search"
          aria-label="Search the log"
          placeholder="Search the log"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          className={`${inputClass} max-w-xs`}
        />
        {q && (
          <span className="text-gray-500">
            {hits} matching line{hits === 1 ? "" : "s"}
          </span>
        )}
        <a href={`/api/builds/jobs/${jobId}/log/raw`} className="text-brand-600 hover:underline">
          Raw log
        </a>
        <span role="status" className="text-gray-500">
          {state === "connecting" ?
            "Connecting…"
          : state === "streaming" ?
            live ?
              "Live"
            : "Loading…"
          : state === "error" ?
            "Disconnected — reload to retry"
          : ""}
        </span>
      </div>
      <div data-testid="job-log" className="max-h-[70vh] overflow-auto rounded-md bg-gray-950 p-3 font-mono text-xs leading-5 text-gray-100">
        {items.length === 0 && <div className="text-gray-500">{state === "done" ? "This job wrote no log." : "Waiting for the log…"}</div>}
        {items.map((it, i) =>
          it.kind === "attempt" ?
            <div key={`a${it.attempt}`} className="my-1 border-t border-purple-700 pt-1 font-bold text-purple-300">
              Attempt {it.attempt}
            </div>
          : it.kind === "line" ? <Line key={i} line={it} hit={hit(it)} />
          : <details key={i} open className="group">
              <summary className="flex cursor-pointer list-none items-center">
                <span className="w-4 text-gray-500 group-open:rotate-90">›</span>
                <span className="flex-1">
                  <Line line={it.header} hit={hit(it.header)} />
                </span>
                <span className="ml-2 shrink-0 rounded bg-gray-800 px-1.5 text-gray-300">{it.end !== null ? `${it.end - it.start} s` : "running"}</span>
              </summary>
              {it.lines.map((l) => (
                <Line key={l.n} line={l} hit={hit(l)} />
              ))}
            </details>,
        )}
        <div ref={bottom} />
      </div>
    </section>
  );
}
