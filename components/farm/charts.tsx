/** A small bar chart (inline SVG, oldest left): one bar per value, the label on hover. */
export function BarChart({
  label,
  values,
  format,
  tone = "#2563eb",
}: {
  label: string;
  values: { value: number; title: string; failed?: boolean }[];
  format: (n: number) => string;
  tone?: string;
}) {
  const max = Math.max(1, ...values.map((v) => v.value));
  const w = 8;
  return (
    <figure className="inline-block">
      <svg role="img" aria-label={label} width={Math.max(values.length, 1) * (w + 2)} height={48} className="block">
        {values.map((v, i) => {
          const h = Math.max(2, Math.round((v.value / max) * 44));
          return (
            <rect key={i} x={i * (w + 2)} y={48 - h} width={w} height={h} fill={v.failed ? "#dc2626" : tone} rx={1}>
              <title>{`${v.title}: ${format(v.value)}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="mt-1 text-xs text-gray-600 dark:text-gray-400">
        {label} (max {format(max)})
      </figcaption>
    </figure>
  );
}
