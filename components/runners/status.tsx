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

/** `stuck`: why a queued job cannot start ("stuck: no online runner with tags …"), shown instead of "Queued". */
export function StatusBadge({ status, stuck }: { status: BuildStatus; stuck?: string | null }) {
  if (stuck) return <Badge tone="red">{stuck}</Badge>;
  const [tone, label] = tones[status];
  return <Badge tone={tone}>{label}</Badge>;
}

export function seconds(from: Date | null, to: Date | null) {
  if (!from) return "—";
  const s = Math.max(0, Math.round(((to ?? new Date()).getTime() - from.getTime()) / 1000));
  return (
    s < 60 ? `${s} s`
    : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s`
    : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
  );
}
