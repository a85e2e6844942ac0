import { Badge } from "@/components/ui";

const tones = {
  created: ["gray", "Waiting"],
  pending: ["gray", "Pending"],
  queued: ["amber", "Queued"],
  running: ["blue", "Running"],
  success: ["green", "Passed"],
  failed: ["red", "Failed"],
  canceled: ["purple", "Canceled"],
  skipped: ["gray", "Skipped"],
} as const;

export type BuildStatus = keyof typeof tones;

export function StatusBadge({ status }: { status: BuildStatus }) {
  const [tone, label] = tones[status];
  return <Badge tone={tone}>{label}</Badge>;
}

export function seconds(from: Date | null, to: Date | null) {
  if (!from) return "—";
  const s = Math.max(0, Math.round(((to ?? new Date()).getTime() - from.getTime()) / 1000));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function bytes(n: number) {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
