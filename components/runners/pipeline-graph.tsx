import Link from "next/link";

type Node = { id: string; name: string; needs: string[]; status: string };

const fill: Record<string, string> = {
  created: "#e5e7eb",
  queued: "#fde68a",
  running: "#bfdbfe",
  success: "#bbf7d0",
  failed: "#fecaca",
  canceled: "#e9d5ff",
  skipped: "#f3f4f6",
};

const W = 180;
const H = 44;
const GX = 60;
const GY = 16;

/** The jobs as a DAG: one column per depth (longest chain of needs), an edge per need. */
export function PipelineGraph({ jobs }: { jobs: Node[] }) {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const depth = new Map<string, number>();
  const depthOf = (j: Node, seen = new Set<string>()): number => {
    if (depth.has(j.name)) return depth.get(j.name)!;
    if (seen.has(j.name)) return 0;
    seen.add(j.name);
    const d = j.needs.length ? 1 + Math.max(...j.needs.map((n) => (byName.get(n) ? depthOf(byName.get(n)!, seen) : 0))) : 0;
    depth.set(j.name, d);
    return d;
  };
  const columns: Node[][] = [];
  for (const j of jobs) (columns[depthOf(j)] ??= []).push(j);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((j, r) => pos.set(j.name, { x: c * (W + GX), y: r * (H + GY) })));
  const width = columns.length * (W + GX) - GX;
  const height = Math.max(...columns.map((c) => c.length)) * (H + GY) - GY;
  return (
    <svg role="img" aria-label="Job dependency graph" width={width + 2} height={height + 2} className="max-w-full overflow-visible">
      {jobs.flatMap((j) =>
        j.needs.map((n) => {
          const a = pos.get(n);
          const b = pos.get(j.name)!;
          if (!a) return null;
          const x1 = a.x + W;
          const y1 = a.y + H / 2;
          const x2 = b.x;
          const y2 = b.y + H / 2;
          return (
            <path
              key={`${n}-${j.name}`}
              d={`M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2},${y2}`}
              fill="none"
              stroke="#9ca3af"
              strokeWidth={1.5}
            />
          );
        }),
      )}
      {jobs.map((j) => {
        const p = pos.get(j.name)!;
        return (
          <Link key={j.id} href={`/jobs/${j.id}`}>
            <g transform={`translate(${p.x + 1},${p.y + 1})`}>
              <rect width={W} height={H} rx={8} fill={fill[j.status] ?? "#e5e7eb"} stroke="#6b7280" />
              <text x={10} y={18} fontSize={13} fontWeight={600} fill="#111827">
                {j.name.length > 22 ? j.name.slice(0, 21) + "…" : j.name}
              </text>
              <text x={10} y={35} fontSize={11} fill="#374151">
                {j.status}
              </text>
            </g>
          </Link>
        );
      })}
    </svg>
  );
}
