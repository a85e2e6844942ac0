/** One package change as a person reads it: "app-misc/hello 2.0 → 1.0", "dev-db/mysql (new) 8.0", "dev-db/mysql 8.0 (gone)". */
export function changeText(c: { package: string; from: string | null; to: string | null }) {
  if (c.from === null) return `${c.package} (new) ${c.to}`;
  if (c.to === null) return `${c.package} ${c.from} (gone)`;
  return c.from === c.to ? `${c.package} ${c.to} (rebuilt)` : `${c.package} ${c.from} → ${c.to}`;
}
